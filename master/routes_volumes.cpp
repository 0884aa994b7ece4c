// Routes: a grid's volumes (list, create, read, remove).
#include <variant>

#include "api/volume.h"
#include "master/api_json.h"
#include "master/api_server.h"
#include "master/http_status.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

// POST's request as a volume, or an error reply. Defaults: scope instance, driver local.
std::variant<Volume, Reply> volumeOf(const api::VolumeCreate& req) {
    Volume v;
    v.name = ss(req.name);
    if (!validName(req.name)) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
    const QString scope = lacks(req, "scope") ? QStringLiteral("instance") : req.scope;
    if (scope == QLatin1String("grid")) v.scope = VolumeScope::Grid;
    else if (scope == QLatin1String("stack")) v.scope = VolumeScope::Stack;
    else if (scope == QLatin1String("instance")) v.scope = VolumeScope::Instance;
    else return Reply::error(422, QStringLiteral("scope must be instance, stack or grid"));
    v.driver = lacks(req, "driver") ? std::string("local") : ss(req.driver);
    for (auto it = req.driverOpts.begin(); it != req.driverOpts.end(); ++it) v.driverOpts[ss(it.key())] = ss(it.value().toString());
    return v;
}

Reply volumeNotFound(const Call& c) { return Reply::error(404, QStringLiteral("Volume %1 not found").arg(c.param("name"))); }

}  // namespace

void Master::addVolumeRoutes() {
    add(Method::Get, QStringLiteral("/v1/volumes/:grid"), Permission::GridMember, [this](Call& c) {
        api::VolumeList list;
        list.volumes = api_json::volumes(*gridOf(c));
        return Reply::of(list);
    });
    add(Method::Post, QStringLiteral("/v1/volumes/:grid"), Permission::GridMember, [this](Call& c) {
        api::VolumeCreate req;
        if (auto bad = readBody(c, &req)) return *bad;
        auto parsed = volumeOf(req);
        if (auto* error = std::get_if<Reply>(&parsed)) return *error;
        GridRuntime* g = gridOf(c);
        const Volume& v = std::get<Volume>(parsed);
        if (auto r = g->apply(ev::VolumeCreate{v}); r.refused) return refusedReply(*r.refused);
        audit(c, g->name(), QStringLiteral("Volume"), g->name() + QLatin1Char('/') + qs(v.name), qs(v.name), QStringLiteral("create"));
        return Reply::of(api_json::volume(*g, g->state().volumes.at(v.name)), 201);
    });
    add(Method::Get, QStringLiteral("/v1/volumes/:grid/:name"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        auto it = g->state().volumes.find(ss(c.param("name")));
        return it == g->state().volumes.end() ? volumeNotFound(c) : Reply::of(api_json::volume(*g, it->second));
    });
    // The core refuses removing an unknown volume (404) or one a service mounts (409).
    add(Method::Delete, QStringLiteral("/v1/volumes/:grid/:name"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (auto r = g->apply(ev::VolumeRemove{ss(c.param("name"))}); r.refused) return refusedReply(*r.refused);
        audit(c, g->name(), QStringLiteral("Volume"), g->name() + QLatin1Char('/') + c.param("name"), c.param("name"), QStringLiteral("delete"));
        return Reply::done();
    });
}

}  // namespace kontena::master
