// Routes: one node of a grid (read, labels and availability, removal).
#include <QJsonArray>

#include <variant>

#include "master/api_json.h"
#include "master/api_server.h"
#include "master/http_status.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

Reply nodeNotFound(const Call& c) { return Reply::error(404, QStringLiteral("Node %1 not found").arg(c.param("node"))); }

// PUT's body as core events (availability first, then labels), or an error reply.
std::variant<std::vector<Event>, Reply> nodeUpdates(const Node& n, const QJsonObject& body) {
    std::vector<Event> events;
    if (body.contains(QStringLiteral("availability"))) {
        const QString a = body.value(QStringLiteral("availability")).toString();
        if (a != QLatin1String("active") && a != QLatin1String("drain")) return Reply::error(422, QStringLiteral("availability must be active or drain"));
        events.push_back(ev::NodeAvailability{n.name, a == QLatin1String("drain") ? Availability::Drain : Availability::Active});
    }
    if (body.contains(QStringLiteral("labels"))) {
        if (!body.value(QStringLiteral("labels")).isArray()) return Reply::error(422, QStringLiteral("labels must be a list of strings"));
        ev::NodeLabels e;
        e.node = n.name;
        e.remove = n.labels;   // the list replaces the node's labels
        e.add = stringsFrom(body.value(QStringLiteral("labels")));
        events.push_back(std::move(e));
    }
    return events;
}

}  // namespace

void Master::addNodeRoutes() {
    add(Method::Get, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Node* n = g->state().node(ss(c.param("node")));
        return n ? Reply{200, api_json::node(*g, *n)} : nodeNotFound(c);
    });
    add(Method::Put, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Node* n = g->state().node(ss(c.param("node")));
        if (!n) return nodeNotFound(c);
        auto updates = nodeUpdates(*n, c.body);
        if (auto* error = std::get_if<Reply>(&updates)) return *error;
        for (const Event& e : std::get<std::vector<Event>>(updates)) {
            if (auto r = g->apply(e); r.refused) return refusedReply(*r.refused);
        }
        n = g->state().node(ss(c.param("node")));
        return n ? Reply{200, api_json::node(*g, *n)} : nodeNotFound(c);
    });
    // The core refuses removing an online node (409) or an unknown one (404).
    add(Method::Delete, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (auto r = g->apply(ev::NodeRemove{ss(c.param("node"))}); r.refused) return refusedReply(*r.refused);
        audit(c, g->name(), QStringLiteral("HostNode"), c.param("node"), c.param("node"), QStringLiteral("remove node"));
        return Reply{200, QJsonObject{}};
    });
}

}  // namespace kontena::master
