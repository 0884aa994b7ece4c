#pragma once
// Vault secrets (master/API.md "Vault secrets"). Values appear only in the
// answer to GET /v1/secrets/:grid/:name.

#include "api/model.h"

namespace kontena::api {

// Elements of GET /v1/grids/:grid/secrets, the answer of POST and PUT;
// GET /v1/secrets/:grid/:name adds the value.
struct Secret : Model<Secret> {
    QString id;                          // grid/name
    QString name;
    std::optional<QString> createdAt, updatedAt;
    std::optional<QString> value;        // only when read
    static auto fields() {
        return std::tuple{field("id", &Secret::id), field("name", &Secret::name), field("created_at", &Secret::createdAt),
                          field("updated_at", &Secret::updatedAt), field("value", &Secret::value, Empty::Omit)};
    }
};

struct SecretList : Model<SecretList> {
    QList<Secret> secrets;   // by name
    static auto fields() { return std::tuple{field("secrets", &SecretList::secrets)}; }
};

// POST /v1/grids/:grid/secrets
struct SecretCreate : Model<SecretCreate> {
    QString name, value;
    static auto fields() { return std::tuple{field("name", &SecretCreate::name), field("value", &SecretCreate::value)}; }
};

// PUT /v1/secrets/:grid/:name
struct SecretUpdate : Model<SecretUpdate> {
    QString value;
    std::optional<bool> upsert;   // create the secret when it is missing
    static auto fields() { return std::tuple{field("value", &SecretUpdate::value), field("upsert", &SecretUpdate::upsert, Empty::Omit)}; }
};

}  // namespace kontena::api
