// The `events:` list: each entry is `at` plus exactly one action key.
#include <algorithm>
#include <functional>
#include <set>

#include "simulator/scenario_parse.h"
#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

// What an action parser needs besides the value.
struct EventContext {
    Reader& r;
    const std::filesystem::path& baseDir;
    NodeBudget& budget;
    Instant at;
    References& refs;
};

using ActionParser = std::function<std::optional<Action>(EventContext&, const YAML::Node&)>;

std::optional<std::string> stackName(EventContext& c, const YAML::Node& n) {
    auto name = c.r.string(n, "stack");
    if (!name) return std::nullopt;
    if (!isStackName(*name)) {
        c.r.error(n, "invalid stack name " + quote(*name));
        return std::nullopt;
    }
    c.refs.stacks.push_back({*name, Reader::pos(n)});
    return name;
}

std::optional<ServiceRef> service(EventContext& c, const YAML::Node& n) {
    auto ref = c.r.service(n, "service");
    if (ref) c.refs.stacks.push_back({ref->stack, Reader::pos(n)});
    return ref;
}

std::optional<InstanceRef> instance(EventContext& c, const YAML::Node& n) {
    auto ref = c.r.instance(n, "instance");
    if (ref) c.refs.stacks.push_back({ref->service.stack, Reader::pos(n)});
    return ref;
}

std::optional<std::string> node(EventContext& c, const YAML::Node& n) {
    auto name = c.r.nodeName(n, "node");
    if (name) c.refs.nodes.push_back({*name, Reader::pos(n)});
    return name;
}

// Parsers for actions whose value is one name.
template <typename A>
ActionParser stackAction() {
    return [](EventContext& c, const YAML::Node& n) -> std::optional<Action> {
        if (auto s = stackName(c, n)) return A{*s};
        return std::nullopt;
    };
}
template <typename A>
ActionParser serviceAction() {
    return [](EventContext& c, const YAML::Node& n) -> std::optional<Action> {
        if (auto s = service(c, n)) return A{*s};
        return std::nullopt;
    };
}
template <typename A>
ActionParser instanceAction() {
    return [](EventContext& c, const YAML::Node& n) -> std::optional<Action> {
        if (auto i = instance(c, n)) return A{*i};
        return std::nullopt;
    };
}
template <typename A>
ActionParser nodeAction() {
    return [](EventContext& c, const YAML::Node& n) -> std::optional<Action> {
        if (auto s = node(c, n)) return A{*s};
        return std::nullopt;
    };
}

std::optional<Action> parseUpgrade(EventContext& c, const YAML::Node& n) {
    const auto f = c.r.fields(n, "upgrade", {"stack", "file", "inline", "variables"});
    if (!f) return std::nullopt;
    const Field* stack = c.r.require(*f, "stack", "upgrade");
    const auto name = stack ? stackName(c, stack->value) : std::nullopt;
    const auto source = readStackSource(c.r, *f, "upgrade", c.baseDir);
    if (!name || !source) return std::nullopt;
    return Upgrade{*name, source->source, source->variables};
}

std::optional<Action> parseScale(EventContext& c, const YAML::Node& n) {
    const auto f = c.r.fields(n, "scale", {"service", "instances"});
    if (!f) return std::nullopt;
    const Field* svc = c.r.require(*f, "service", "scale");
    const Field* count = c.r.require(*f, "instances", "scale");
    const auto ref = svc ? service(c, svc->value) : std::nullopt;
    const auto instances = count ? c.r.integer(count->value, "instances", 0, 100'000) : std::nullopt;
    if (!ref || !instances) return std::nullopt;
    return Scale{*ref, static_cast<int>(*instances)};
}

std::optional<Action> parseNodeAdd(EventContext& c, const YAML::Node& n) {
    auto nodes = readNodeEntry(c.r, n, "node_add", c.at, c.budget);
    if (!nodes) return std::nullopt;
    return NodeAdd{*nodes};
}

std::optional<std::vector<std::string>> labels(EventContext& c, const Field* f, std::string_view what) {
    if (!f) return std::vector<std::string>{};
    auto list = c.r.strings(f->value, what);
    if (!list) return std::nullopt;
    for (const auto& l : *list) {
        if (!isLabel(l)) {
            c.r.error(f->value, "invalid label " + quote(l) + ": write key or key=value");
            return std::nullopt;
        }
    }
    return list;
}

std::optional<Action> parseNodeLabel(EventContext& c, const YAML::Node& n) {
    const auto f = c.r.fields(n, "node_label", {"node", "add", "remove"});
    if (!f) return std::nullopt;
    const Field* nodeField = c.r.require(*f, "node", "node_label");
    const auto name = nodeField ? node(c, nodeField->value) : std::nullopt;
    const auto add = labels(c, f->find("add"), "add");
    const auto remove = labels(c, f->find("remove"), "remove");
    if (!f->has("add") && !f->has("remove")) {
        c.r.error(f->pos, "node_label needs 'add' or 'remove' (or both)");
        return std::nullopt;
    }
    if (!name || !add || !remove) return std::nullopt;
    return NodeLabel{*name, *add, *remove};
}

std::optional<Action> parsePartition(EventContext& c, const YAML::Node& n) {
    const std::string shape = "partition must be a list of groups, e.g. [[node-1, node-2], [node-3, master]]";
    if (!n.IsSequence() || n.size() == 0) {
        c.r.error(n, shape);
        return std::nullopt;
    }
    Partition p;
    std::set<std::string> seen;
    bool ok = true;
    for (const auto& group : n) {
        if (!group.IsSequence() || group.size() == 0) {
            c.r.error(group, shape);
            ok = false;
            continue;
        }
        std::vector<std::string> members;
        for (const auto& member : group) {
            const bool isMaster = member.IsScalar() && member.Scalar() == kMaster;
            const auto name = isMaster ? std::optional<std::string>(kMaster) : node(c, member);
            if (!name) {
                ok = false;
            } else if (!seen.insert(*name).second) {
                c.r.error(member, quote(*name) + " is in more than one partition group");
                ok = false;
            } else {
                members.push_back(*name);
            }
        }
        p.groups.push_back(std::move(members));
    }
    if (!ok) return std::nullopt;
    return p;
}

std::optional<Action> parseHeal(EventContext& c, const YAML::Node& n) {
    if (!n.IsScalar() || n.Scalar() != "all") {
        c.r.error(n, "heal takes the value 'all'");
        return std::nullopt;
    }
    return Heal{};
}

// Every action in the spec's order; the names are the file's keys.
const std::vector<std::pair<std::string, ActionParser>>& actionTable() {
    static const std::vector<std::pair<std::string, ActionParser>> table{
        {"deploy", stackAction<Deploy>()},
        {"upgrade", parseUpgrade},
        {"remove", stackAction<Remove>()},
        {"scale", parseScale},
        {"stop", serviceAction<Stop>()},
        {"start", serviceAction<Start>()},
        {"restart", serviceAction<Restart>()},
        {"node_connect", nodeAction<NodeConnect>()},
        {"node_disconnect", nodeAction<NodeDisconnect>()},
        {"node_unresponsive", nodeAction<NodeUnresponsive>()},
        {"node_responsive", nodeAction<NodeResponsive>()},
        {"node_drain", nodeAction<NodeDrain>()},
        {"node_activate", nodeAction<NodeActivate>()},
        {"node_remove", nodeAction<NodeRemove>()},
        {"node_add", parseNodeAdd},
        {"node_label", parseNodeLabel},
        {"instance_crash", instanceAction<InstanceCrash>()},
        {"instance_unhealthy", instanceAction<InstanceUnhealthy>()},
        {"instance_healthy", instanceAction<InstanceHealthy>()},
        {"etcd_member_fail", nodeAction<EtcdMemberFail>()},
        {"etcd_member_recover", nodeAction<EtcdMemberRecover>()},
        {"partition", parsePartition},
        {"heal", parseHeal},
    };
    return table;
}

const ActionParser* findParser(const std::string& key) {
    for (const auto& [name, parser] : actionTable()) {
        if (name == key) return &parser;
    }
    return nullptr;
}

// The single action key of an event, or nullptr after reporting why not.
const Field* actionField(Reader& r, const Fields& f, const std::string& what) {
    const Field* action = nullptr;
    for (const auto& field : f.entries) {
        if (field.key == "at") continue;
        if (action) {
            r.error(Reader::pos(field.keyNode, f.pos), what + " has more than one action: " + quote(action->key) +
                                                         " and " + quote(field.key));
            return nullptr;
        }
        action = &field;
    }
    if (!action) r.error(f.pos, what + " has no action (deploy, node_disconnect, ...)");
    return action;
}

std::optional<ParsedEvent> readEvent(Reader& r, const YAML::Node& n, int index,
                                     const std::filesystem::path& baseDir, NodeBudget& budget) {
    const std::string what = "event " + std::to_string(index);
    std::vector<std::string_view> allowed{"at"};
    for (const auto& [name, parser] : actionTable()) allowed.push_back(name);
    const auto f = r.fields(n, what, allowed);
    if (!f) return std::nullopt;
    const Field* atField = r.require(*f, "at", what);
    const auto at = atField ? r.instant(atField->value, "at") : std::nullopt;
    const Field* action = actionField(r, *f, what);
    if (!at || !action) return std::nullopt;
    ParsedEvent out;
    EventContext context{r, baseDir, budget, *at, out.refs};
    auto parsed = (*findParser(action->key))(context, action->value);
    if (!parsed) return std::nullopt;
    out.event = Event{index, *at, std::move(*parsed), f->pos};
    return out;
}

}  // namespace

std::string actionName(const Action& a) {
    return actionTable().at(a.index()).first;
}

const std::vector<std::string>& actionNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& [name, parser] : actionTable()) out.push_back(name);
        return out;
    }();
    return names;
}

std::vector<ParsedEvent> readEvents(Reader& r, const YAML::Node& list, const std::filesystem::path& baseDir,
                                    NodeBudget& budget) {
    if (list.IsNull()) return {};
    if (!list.IsSequence()) {
        r.error(list, "events must be a list of {at, ACTION: value}");
        return {};
    }
    std::vector<ParsedEvent> out;
    int index = 0;
    for (const auto& item : list) {
        if (auto e = readEvent(r, item, ++index, baseDir, budget)) out.push_back(std::move(*e));
    }
    return out;
}

}  // namespace kontena::sim
