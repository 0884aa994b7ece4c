// Node lifecycle (reference §1.2, §2): connect and numbering, keepalive,
// disconnect vs unresponsive, stale connections, removal, drain, labels,
// and etcd quorum.
#include <algorithm>
#include <set>

#include "scheduler/controller_internal.h"

namespace kontena::detail {

namespace {

int lowestFreeNumber(const Draft& d) {
    const int limit = std::clamp(d.base().grid.maxNodes, 1, Grid::kMaxNodesLimit);
    // The base's numbers from the pool every commit keeps; the draft's own
    // changes (rare: a node added or dropped earlier in this decision) on top.
    std::set<int> draftUsed, draftFreed;
    for (const auto& [name, now] : d.changedNodes()) {
        const Node* before = d.base().node(name);
        if (before && (!now || now->number != before->number)) draftFreed.insert(before->number);
        if (now && (!before || before->number != now->number)) draftUsed.insert(now->number);
    }
    int best = 0;
    for (int k = d.numberPool().lowestFree(1); k <= limit; k = d.numberPool().lowestFree(k + 1)) {
        if (!draftUsed.count(k)) {
            best = k;
            break;
        }
    }
    for (int k : draftFreed) {   // ascending: the lowest the draft freed and did not reuse
        if (k < 1 || k > limit || draftUsed.count(k)) continue;
        if (!best || k < best) best = k;
        break;
    }
    return best;
}

void armKeepalive(Draft& d, const std::string& node, Instant connectedAt, Instant at) {
    Timer t;
    t.kind = TimerKind::KeepaliveTick;
    t.at = at;
    t.node = node;
    t.token = connectedAt.ms;
    d.timer(t);
}

// Standing keepalive: the last ping answered before now (pings go out every
// pingInterval after connectedAt; one due exactly now has not been answered
// yet), or the connection itself.
Instant scheduledContact(const Draft& d, const Node& n) {
    const Instant from = *n.connectedAt;
    const std::int64_t interval = std::max<std::int64_t>(1, d.settings().pingInterval.ms);
    const std::int64_t since = d.now().ms - from.ms;
    if (since <= 0) return from;
    const std::int64_t k = (since - 1) / interval;   // pings strictly before now
    return Instant(from.ms + k * interval);
}

// The node's last contact as of now: what PingAnswered would have recorded.
std::optional<Instant> lastContact(const Draft& d, const Node& n) {
    if (!d.ctx().standingKeepalive || !n.connected || !n.connectedAt || n.pingSentAt) return n.lastSeen;
    const Instant t = scheduledContact(d, n);
    return n.lastSeen && *n.lastSeen > t ? n.lastSeen : std::optional<Instant>(t);
}

}  // namespace

void updateQuorum(Draft& d) {
    const bool now = draftQuorum(d);
    if (now == d.counters().quorum) return;
    d.counters().quorum = now;
    if (now) d.log("quorum_regained", d.base().grid.name, "etcd has a quorum again");
    else d.log("quorum_lost", d.base().grid.name, quorumRefusal(d));
}

void onNodeConnect(Draft& d, const ev::NodeConnect& e) {
    const Node* existing = d.node(e.node);
    if (existing && existing->connectedAt && *existing->connectedAt > e.connectedAt) {
        d.refuse(RefusalKind::Stale, "stale connection of node " + e.node + " ignored: a newer connection of the node exists");
        d.command(cmd::CloseConnection{e.node, 4041, "node re-connected on another connection"});
        return;
    }
    Node n;
    if (existing) {
        n = *existing;
    } else {
        n.name = e.node;
        n.nodeId = e.node;
        n.number = lowestFreeNumber(d);
        if (n.number == 0) {
            d.refuse(RefusalKind::Conflict, "Cannot add node " + e.node + ": the grid is full (node numbers 1.." + std::to_string(d.base().grid.maxNodes) +
                     " are used; the grid's max_nodes allows up to " + std::to_string(Grid::kMaxNodesLimit) + ")");
            return;
        }
    }
    if (n.labels.empty()) n.labels = e.labels;   // docker labels apply only to a node without labels (§2.2)
    n.cpus = e.cpus;
    n.memory = e.memory;
    n.volumeDrivers = e.volumeDrivers;
    n.connected = true;
    n.updated = true;
    n.everConnected = true;
    n.connectedAt = e.connectedAt;
    n.lastSeen = d.now();
    n.pingSentAt.reset();
    n.closeCode = 0;
    const bool initial = n.isInitial(d.base().grid.initialSize);
    d.putNode(n);
    d.log("node_online", e.node,
          "node " + e.node + " connected as node number " + std::to_string(n.number) + (initial ? " (initial node)" : ""));
    if (!d.ctx().standingKeepalive) armKeepalive(d, e.node, e.connectedAt, d.now() + d.settings().pingInterval);
    d.command(cmd::NotifyNode{e.node});
    if (initial) updateQuorum(d);   // only initial nodes are etcd members
}

void unplug(Draft& d, const std::string& name, int code, const std::string& reason) {
    const Node* before = d.node(name);
    if (!before || !before->connected) return;
    const std::optional<Instant> contact = lastContact(d, *before);
    Node& n = d.editNode(name);
    n.lastSeen = contact;
    n.connected = false;
    n.disconnectedAt = d.now();
    n.pingSentAt.reset();
    n.closeCode = code;
    d.log("node_offline", name, "node " + name + " is offline: " + reason);
    if (n.isInitial(d.base().grid.initialSize)) updateQuorum(d);   // only initial nodes are etcd members
}

void onNodeClosed(Draft& d, const ev::NodeClosed& e) {
    const Node* n = d.node(e.node);
    if (!n || !n->connected || !n->connectedAt || *n->connectedAt != e.connectedAt) return;   // a late close of an older connection
    unplug(d, e.node, 1006, "connection closed");
}

void onPingAnswered(Draft& d, const ev::PingAnswered& e) {
    const Node* n = d.node(e.node);
    if (!n || !n->connected || !n->connectedAt || *n->connectedAt != e.connectedAt) return;
    Node& w = d.editNode(e.node);
    w.lastSeen = d.now();
    w.pingSentAt.reset();
}

void onPingMissed(Draft& d, const ev::PingMissed& e) {
    const Node* n = d.node(e.node);
    if (!n || !n->connected || !n->connectedAt || *n->connectedAt != e.connectedAt || n->pingSentAt) return;
    const std::optional<Instant> contact = lastContact(d, *n);
    Node& w = d.editNode(e.node);
    w.lastSeen = contact;
    w.pingSentAt = d.now();
    Timer check;
    check.kind = TimerKind::KeepaliveCheck;
    check.at = d.now() + d.settings().pingTimeout;
    check.node = e.node;
    check.token = e.connectedAt.ms;
    d.timer(check);
}

void onKeepaliveTick(Draft& d, const Timer& t) {
    const Node* n = d.node(t.node);
    if (!n || !n->connected || !n->connectedAt || n->connectedAt->ms != t.token) return;
    d.editNode(t.node).pingSentAt = d.now();
    d.command(cmd::Ping{t.node, *n->connectedAt});
    Timer check = t;
    check.kind = TimerKind::KeepaliveCheck;
    check.at = d.now() + d.settings().pingTimeout;
    d.timer(check);
}

void onKeepaliveCheck(Draft& d, const Timer& t) {
    const Node* n = d.node(t.node);
    if (!n || !n->connected || !n->connectedAt || n->connectedAt->ms != t.token) return;
    if (n->pingSentAt) {
        unplug(d, t.node, 4030, "no answer to the keepalive ping within " + formatDuration(d.settings().pingTimeout));
        d.command(cmd::CloseConnection{t.node, 4030, "ping timeout"});
        return;
    }
    if (!d.ctx().standingKeepalive) armKeepalive(d, t.node, *n->connectedAt, d.now() - d.settings().pingTimeout + d.settings().pingInterval);
}

// §2.8: an ephemeral node that is not initial, not connected, unseen for
// ephemeralNodeCleanup (6 h) and hosts no instance of a stateful service.
bool ephemeralNodeExpired(Draft& d, const Node& n) {
    if (n.connected || !isEphemeral(n) || n.isInitial(d.base().grid.initialSize)) return false;
    if (!n.lastSeen || d.now() - *n.lastSeen < d.settings().ephemeralNodeCleanup) return false;
    for (const Instance& inst : d.instancesOn(n.name)) {
        const Service* svc = d.service(inst.service);
        if (svc && svc->spec.stateful) return false;
    }
    return true;
}

void onStaleSweep(Draft& d, const Timer& t) {
    std::vector<std::string> expired;
    for (const auto& [name, n] : d.base().nodes) {
        const std::optional<Instant> seen = lastContact(d, n);
        if (n.connected && seen && d.now() - *seen > d.settings().staleThreshold) {
            unplug(d, name, 4031, "not seen for more than " + formatDuration(d.settings().staleThreshold) + " (stale connection)");
        }
        if (ephemeralNodeExpired(d, n)) expired.push_back(name);
    }
    for (const auto& name : expired) {
        d.log("node_cleanup", name, "ephemeral node " + name + " not seen for " + formatDuration(d.settings().ephemeralNodeCleanup) + ": removed");
        onNodeRemove(d, ev::NodeRemove{name});
    }
    Timer next = t;
    next.at = d.now() + d.settings().staleSweepInterval;
    d.timer(next);
}

void onNodeRemove(Draft& d, const ev::NodeRemove& e) {
    const Node* n = d.node(e.node);
    if (!n) {
        d.refuse(RefusalKind::NotFound, "Cannot remove node " + e.node + ": no such node");
        return;
    }
    if (n->connected) {
        d.refuse(RefusalKind::Conflict, "Cannot remove node " + e.node + ": it is online; stop its agent first (a node is removed only while offline)");
        return;
    }
    const bool initial = n->isInitial(d.base().grid.initialSize);
    for (Instance inst : d.instancesOn(e.node)) {
        Instance& w = d.editInstance(inst.service, inst.number);
        w.node.reset();
        w.observed = ObservedState::Missing;
    }
    d.dropNode(e.node);
    d.log("node_removed", e.node,
          "node " + e.node + " removed" + (initial ? "; it was initial node " + std::to_string(n->number) +
                                                         ": the next node to join takes its number and etcd membership"
                                                   : ""));
    updateQuorum(d);
}

void onNodeAvailability(Draft& d, const ev::NodeAvailability& e) {
    const Node* n = d.node(e.node);
    if (!n) {
        d.refuse(RefusalKind::NotFound, "Cannot update node " + e.node + ": no such node");
        return;
    }
    if (n->availability == e.availability) return;
    d.editNode(e.node).availability = e.availability;
    d.log(e.availability == Availability::Drain ? "node_drain" : "node_activate", e.node,
          "node " + e.node + " availability set to " + toString(e.availability));
    bool notify = false;
    for (const Instance& inst : d.instancesOn(e.node)) {
        const Service* svc = d.service(inst.service);
        if (!svc || !svc->spec.stateful) continue;
        if (e.availability == Availability::Drain && inst.desired == DesiredState::Running) {
            d.editInstance(inst.service, inst.number).desired = DesiredState::Stopped;
            d.log("instance_stopped", instanceName(inst.service, inst.number), "stateful instance stopped because its node is drained");
            notify = true;
        } else if (e.availability == Availability::Active && inst.desired == DesiredState::Stopped &&
                   svc->state == ServiceState::Running) {
            d.editInstance(inst.service, inst.number).desired = DesiredState::Running;
            d.log("instance_started", instanceName(inst.service, inst.number), "stateful instance started again: its node is active");
            notify = true;
        }
    }
    if (notify && n->connected) d.command(cmd::NotifyNode{e.node});
}

void onNodeLabels(Draft& d, const ev::NodeLabels& e) {
    const Node* n = d.node(e.node);
    if (!n) {
        d.refuse(RefusalKind::NotFound, "Cannot label node " + e.node + ": no such node");
        return;
    }
    Node& w = d.editNode(e.node);
    for (const auto& l : e.remove) w.labels.erase(std::remove(w.labels.begin(), w.labels.end(), l), w.labels.end());
    for (const auto& l : e.add) {
        if (std::find(w.labels.begin(), w.labels.end(), l) == w.labels.end()) w.labels.push_back(l);
    }
    d.log("node_labels", e.node, "labels of " + e.node + " are now [" + [&] {
        std::string s;
        for (const auto& l : w.labels) s += (s.empty() ? "" : ", ") + l;
        return s;
    }() + "]");
}

void onNodeStats(Draft& d, const ev::NodeStats& e) {
    const Node* n = d.node(e.node);
    if (!n) return;
    const NodeMemoryStats& m = e.memory;
    if (n->stats && n->stats->total == m.total && n->stats->used == m.used && n->stats->free == m.free &&
        n->stats->cached == m.cached && n->stats->buffers == m.buffers) {
        return;
    }
    d.editNode(e.node).stats = m;
}

void onEtcdMember(Draft& d, const ev::EtcdMember& e) {
    const Node* n = d.node(e.node);
    if (!n || n->etcdHealthy == e.healthy) return;
    d.editNode(e.node).etcdHealthy = e.healthy;
    if (n->isInitial(d.base().grid.initialSize)) {
        d.log(e.healthy ? "etcd_member_up" : "etcd_member_down", e.node,
              std::string("etcd member on ") + e.node + (e.healthy ? " is healthy" : " is unhealthy or unreachable"));
    }
    updateQuorum(d);
}

void onPartition(Draft& d, const ev::Partition& e) {
    std::map<std::string, int> group;
    for (std::size_t g = 0; g < e.groups.size(); ++g) {
        for (const auto& name : e.groups[g]) group[name] = static_cast<int>(g) + 1;
    }
    for (const auto& [name, base] : d.base().nodes) {
        const int want = group.count(name) ? group[name] : 0;
        const Node* n = d.node(name);
        if (n && n->partitionGroup != want) d.editNode(name).partitionGroup = want;
    }
    updateQuorum(d);
}

}  // namespace kontena::detail
