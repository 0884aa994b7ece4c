#pragma once
// External registry credentials in the grid vault (master/API.md
// "External registries"). The password is sent when adding and never
// answered.

#include "api/model.h"

namespace kontena::api {

// Elements of GET /v1/grids/:grid/external_registries and the answer of POST.
struct Registry : Model<Registry> {
    QString id;     // grid/name
    QString name;   // host[:port], what images name
    QString url, username, email;
    std::optional<QString> createdAt;
    static auto fields() {
        return std::tuple{field("id", &Registry::id), field("name", &Registry::name), field("url", &Registry::url),
                          field("username", &Registry::username), field("email", &Registry::email), field("created_at", &Registry::createdAt)};
    }
};

struct RegistryList : Model<RegistryList> {
    QList<Registry> externalRegistries;   // by name
    static auto fields() { return std::tuple{field("external_registries", &RegistryList::externalRegistries)}; }
};

// POST /v1/grids/:grid/external_registries
struct RegistryCreate : Model<RegistryCreate> {
    QString url, username, password, email;
    static auto fields() {
        return std::tuple{field("url", &RegistryCreate::url), field("username", &RegistryCreate::username),
                          field("password", &RegistryCreate::password), field("email", &RegistryCreate::email)};
    }
};

}  // namespace kontena::api
