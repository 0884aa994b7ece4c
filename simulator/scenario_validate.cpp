// Cross-checks once the whole file is read: names against declarations,
// node_add order, event selectors, stacks' placement, and times against `until`.
#include <algorithm>
#include <map>

#include "simulator/scenario_parse.h"
#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

std::string timeText(Instant t) { return formatDuration(Duration(t.ms)); }

// Where and when each node name comes from: `nodes:` (no event) or a node_add.
struct NodeOrigin {
    SourcePos pos;
    const Event* addedBy = nullptr;
};

class Validator {
public:
    Validator(Reader& r, const Scenario& s) : r_(r), s_(s) {}

    void declareNodes() {
        for (const auto& n : s_.nodes) declare(n, nullptr);
    }

    // Events in time order: a node must be declared, or added by an earlier event.
    void events(const std::vector<ParsedEvent>& sorted) {
        for (const auto& pe : sorted) {
            if (const auto* add = std::get_if<NodeAdd>(&pe.event.action)) {
                for (const auto& n : add->nodes) declare(n, &pe.event);
            }
        }
        std::map<std::string, bool> present;
        for (const auto& n : s_.nodes) present[n.name] = true;
        for (const auto& pe : sorted) {
            stacks(pe.refs);
            for (const auto& use : pe.refs.nodes) nodeInEvent(use, present);
            if (const auto* add = std::get_if<NodeAdd>(&pe.event.action)) {
                for (const auto& n : add->nodes) present[n.name] = true;
            }
            withinUntil(pe.event.at, pe.event.pos, "event " + std::to_string(pe.event.index));
        }
    }

    void checks(const std::vector<ParsedCheck>& checks, const std::vector<Event>& events) {
        for (const auto& pc : checks) {
            stacks(pc.refs);
            for (const auto& use : pc.refs.nodes) {
                if (!origins_.count(use.name)) r_.error(use.pos, "unknown node " + quote(use.name));
            }
            withinUntil(pc.check.when.to, pc.check.pos, "check " + std::to_string(pc.check.index));
            eventSelector(pc, events);
        }
    }

    // `placement:` names declared nodes (nodes: or node_add), each instance in one stack only.
    void placement() {
        std::map<std::string, std::string> placedBy;   // instance -> stack
        for (const auto& [name, stack] : s_.stacks) {
            for (const auto& p : stack.placement) {
                if (!origins_.count(p.node)) r_.error(p.pos, "placement: unknown node " + quote(p.node));
                const auto [it, fresh] = placedBy.emplace(p.instance.name(), name);
                if (!fresh) r_.error(p.pos, "placement: " + quote(p.instance.name()) + " is placed by stack " + quote(it->second) + " too");
            }
        }
    }

private:
    void declare(const ScenarioNode& n, const Event* by) {
        const auto [it, fresh] = origins_.emplace(n.name, NodeOrigin{n.pos, by});
        if (!fresh) {
            r_.error(n.pos, "duplicate node name " + quote(n.name) + " (first at line " +
                                std::to_string(it->second.pos.line) + ")");
        }
    }

    void nodeInEvent(const NameUse& use, const std::map<std::string, bool>& present) {
        if (present.count(use.name)) return;
        const auto it = origins_.find(use.name);
        if (it == origins_.end()) {
            r_.error(use.pos, "unknown node " + quote(use.name));
        } else if (it->second.addedBy) {
            r_.error(use.pos, "node " + quote(use.name) + " is only added later, by event " +
                                  std::to_string(it->second.addedBy->index) + " at " +
                                  timeText(it->second.addedBy->at));
        }
    }

    void stacks(const References& refs) {
        for (const auto& use : refs.stacks) {
            if (!s_.stacks.count(use.name)) {
                r_.error(use.pos, "unknown stack " + quote(use.name) + " (declare it under stacks:)");
            }
        }
    }

    void withinUntil(Instant t, SourcePos pos, const std::string& what) {
        if (s_.until && t > *s_.until) {
            r_.error(pos, what + " at " + timeText(t) + " is after until " + timeText(*s_.until));
        }
    }

    // refused/accepted: the event must exist and happen by the check's start.
    void eventSelector(const ParsedCheck& pc, const std::vector<Event>& events) {
        const EventSelector* sel = nullptr;
        if (const auto* c = std::get_if<RefusedCheck>(&pc.check.subject)) sel = &c->event;
        if (const auto* c = std::get_if<AcceptedCheck>(&pc.check.subject)) sel = &c->event;
        if (!sel) return;
        const Instant start = pc.check.when.from;
        if (const int* index = std::get_if<int>(sel)) {
            const auto it = std::find_if(events.begin(), events.end(), [&](const Event& e) { return e.index == *index; });
            if (it == events.end()) {
                r_.error(pc.eventPos, "there is no event " + std::to_string(*index));
            } else if (it->at > start) {
                r_.error(pc.eventPos, "event " + std::to_string(*index) + " happens at " + timeText(it->at) +
                                          ", after this check (" + timeText(start) + ")");
            }
            return;
        }
        const std::string& action = std::get<std::string>(*sel);
        const bool found = std::any_of(events.begin(), events.end(),
                                       [&](const Event& e) { return actionName(e.action) == action && e.at <= start; });
        if (!found) r_.error(pc.eventPos, "no " + action + " event happens at or before " + timeText(start));
    }

    Reader& r_;
    const Scenario& s_;
    std::map<std::string, NodeOrigin> origins_;
};

}  // namespace

void validateScenario(Reader& r, Scenario& s, std::vector<ParsedEvent>& events,
                      const std::vector<ParsedCheck>& checks) {
    std::stable_sort(events.begin(), events.end(),
                     [](const ParsedEvent& a, const ParsedEvent& b) { return a.event.at < b.event.at; });
    Validator v(r, s);
    v.declareNodes();
    v.events(events);
    v.placement();
    s.events.clear();
    for (auto& pe : events) s.events.push_back(pe.event);
    v.checks(checks, s.events);
    s.expect.clear();
    for (const auto& pc : checks) s.expect.push_back(pc.check);
}

}  // namespace kontena::sim
