#pragma once
// Volumes (master/API.md "Volumes").

#include "api/model.h"

namespace kontena::api {

// GET /v1/volumes/:grid/:name, elements of GET /v1/volumes/:grid.
struct Volume : Model<Volume> {
    QString id, name;
    QString scope;            // instance|stack|grid
    QString driver;
    QJsonObject driverOpts;
    QStringList services;     // service keys that mount it
    std::optional<QString> createdAt;
    static auto fields() {
        return std::tuple{field("id", &Volume::id), field("name", &Volume::name), field("scope", &Volume::scope),
                          field("driver", &Volume::driver), field("driver_opts", &Volume::driverOpts),
                          field("services", &Volume::services), field("created_at", &Volume::createdAt)};
    }
};

struct VolumeList : Model<VolumeList> {
    QList<Volume> volumes;
    static auto fields() { return std::tuple{field("volumes", &VolumeList::volumes)}; }
};

// POST /v1/volumes/:grid
struct VolumeCreate : Model<VolumeCreate> {
    QString name, driver, scope;
    QJsonObject driverOpts;
    static auto fields() {
        return std::tuple{field("name", &VolumeCreate::name), field("driver", &VolumeCreate::driver), field("scope", &VolumeCreate::scope),
                          field("driver_opts", &VolumeCreate::driverOpts)};
    }
};

}  // namespace kontena::api
