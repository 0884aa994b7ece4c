// Routes: one node of a grid (read, labels and availability, removal).
#include <variant>

#include "api/node.h"
#include "master/api_json.h"
#include "master/api_server.h"
#include "master/http_status.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

Reply nodeNotFound(const Call& c) { return Reply::error(404, QStringLiteral("Node %1 not found").arg(c.param("node"))); }

// PUT's request as core events (availability first, then labels), or an error reply.
std::variant<std::vector<Event>, Reply> nodeUpdates(const Node& n, const api::NodeUpdate& req) {
    std::vector<Event> events;
    if (req.availability) {
        const QString& a = *req.availability;
        if (a != QLatin1String("active") && a != QLatin1String("drain")) return Reply::error(422, QStringLiteral("availability must be active or drain"));
        events.push_back(ev::NodeAvailability{n.name, a == QLatin1String("drain") ? Availability::Drain : Availability::Active});
    }
    if (req.labels) {
        ev::NodeLabels e;
        e.node = n.name;
        e.remove = n.labels;   // the list replaces the node's labels
        for (const QString& l : *req.labels) e.add.push_back(ss(l));
        events.push_back(std::move(e));
    }
    return events;
}

}  // namespace

void Master::addNodeRoutes() {
    add(Method::Get, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Node* n = g->state().node(ss(c.param("node")));
        return n ? Reply::of(api_json::node(*g, *n)) : nodeNotFound(c);
    });
    add(Method::Put, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Node* n = g->state().node(ss(c.param("node")));
        if (!n) return nodeNotFound(c);
        api::NodeUpdate req;
        if (auto bad = readBody(c, &req)) return *bad;
        auto updates = nodeUpdates(*n, req);
        if (auto* error = std::get_if<Reply>(&updates)) return *error;
        for (const Event& e : std::get<std::vector<Event>>(updates)) {
            if (auto r = g->apply(e); r.refused) return refusedReply(*r.refused);
        }
        n = g->state().node(ss(c.param("node")));
        return n ? Reply::of(api_json::node(*g, *n)) : nodeNotFound(c);
    });
    // The core refuses removing an online node (409) or an unknown one (404).
    add(Method::Delete, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (auto r = g->apply(ev::NodeRemove{ss(c.param("node"))}); r.refused) return refusedReply(*r.refused);
        audit(c, g->name(), QStringLiteral("HostNode"), c.param("node"), c.param("node"), QStringLiteral("remove node"));
        return Reply::done();
    });
}

}  // namespace kontena::master
