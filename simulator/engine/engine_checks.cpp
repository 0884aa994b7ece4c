// Expectations of a scenario (spec "Checks"), evaluated on the master's
// state and the simulated nodes.
#include <algorithm>
#include <sstream>

#include "scheduler/placement.h"
#include "simulator/engine/engine_internal.h"
#include "scheduler/overloaded.h"

namespace kontena::sim::detail {

namespace {

std::string joinNames(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out + "]";
}

// Running instances of a service: number -> node (container running on an online node).
std::map<int, std::string> runningOf(const World& w, const std::string& service) {
    std::map<int, std::string> out;
    const ClusterState& st = w.master();
    for (auto it = st.instances.lower_bound(InstanceKey{service, 0}); it != st.instances.end() && it->first.service == service; ++it) {
        std::string node;
        if (!w.instanceRunning(service, it->first.number, &node)) continue;
        const Node* n = st.node(node);
        if (n && n->connected) out[it->first.number] = node;
    }
    return out;
}

std::string nodeStatusName(const Node& n) {
    switch (n.status()) {
    case NodeStatus::Drain: return "drain";
    case NodeStatus::Online:
    case NodeStatus::Connecting: return "online";
    default: return "offline";
    }
}

const EventOutcome* selectEvent(const World& w, const EventSelector& sel, int* index) {
    if (const int* n = std::get_if<int>(&sel)) {
        for (std::size_t i = 0; i < w.events().size(); ++i) {
            if (w.events()[i].index == *n && w.outcomes()[i].at <= w.now() && !w.outcomes()[i].action.empty()) {
                *index = *n;
                return &w.outcomes()[i];
            }
        }
        return nullptr;
    }
    const std::string& action = std::get<std::string>(sel);
    const EventOutcome* found = nullptr;
    for (std::size_t i = 0; i < w.events().size(); ++i) {
        const auto& o = w.outcomes()[i];
        if (!o.action.empty() && o.action == action && o.at <= w.now()) {
            found = &o;
            *index = w.events()[i].index;
        }
    }
    return found;
}

std::string serviceActual(const World& w, const ServiceCheck& c, bool& passed) {
    const std::string key = c.service.key();
    const auto running = runningOf(w, key);
    const int count = static_cast<int>(running.size());
    std::ostringstream out;
    out << count << " running";
    passed = true;
    if (c.running) passed = passed && count == *c.running;
    if (c.minRunning) passed = passed && count >= *c.minRunning;
    if (c.maxRunning) passed = passed && count <= *c.maxRunning;
    std::vector<std::string> nodes;
    for (const auto& [n, node] : running) nodes.push_back(instanceName(key, n) + "@" + node);
    if (c.on || c.notOn) {
        out << " " << joinNames(nodes);
        for (const auto& [n, node] : running) {
            if (c.on && std::find(c.on->begin(), c.on->end(), node) == c.on->end()) passed = false;
            if (c.notOn && std::find(c.notOn->begin(), c.notOn->end(), node) != c.notOn->end()) passed = false;
        }
    }
    if (c.healthy) {
        const Service* svc = w.master().service(key);
        int healthy = 0;
        for (const auto& [n, node] : running) {
            const Instance* inst = w.master().instance(key, n);
            const bool checked = svc && svc->spec.healthCheck;
            if (!checked || (inst && inst->health == Health::Healthy)) ++healthy;
        }
        out << ", " << healthy << " healthy";
        passed = passed && healthy == *c.healthy;
    }
    if (c.spread) {
        const Service* svc = w.master().service(key);
        std::map<std::string, int> perValue;
        if (svc) {
            PlacementIndex index;
            index.build(w.master(), 1);
            CandidatePolicy policy;
            policy.now = w.now();
            PlacementPass pass(w.master(), index, svc->spec, policy, 1);
            for (const auto& [name, n] : w.master().nodes) {
                if (!n.connected || n.availability != Availability::Active) continue;
                auto misfit = pass.misfit(name, 1);
                if (misfit && misfit->filter == "affinity") continue;
                perValue[labelValue(n.labels, *c.spread).value_or("")] += 0;
            }
        }
        for (const auto& [n, node] : running) {
            const Node* nd = w.master().node(node);
            if (nd) perValue[labelValue(nd->labels, *c.spread).value_or("")] += 1;
        }
        int lo = 1 << 30, hi = 0;
        for (const auto& [v, k] : perValue) {
            lo = std::min(lo, k);
            hi = std::max(hi, k);
        }
        out << ", by " << *c.spread << ":";
        for (const auto& [v, k] : perValue) out << " " << (v.empty() ? "(none)" : v) << "=" << k;
        if (!perValue.empty()) passed = passed && hi - lo <= 1;
    }
    return out.str();
}

std::string instanceActual(const World& w, const InstanceCheck& c, bool& passed) {
    const std::string key = c.instance.service.key();
    std::string node;
    const bool running = w.instanceRunning(key, c.instance.number, &node);
    const Instance* inst = w.master().instance(key, c.instance.number);
    std::string state = "missing";
    if (running) state = "running";
    else if (inst && inst->node) {
        auto it = w.nodes().find(*inst->node);
        if (it != w.nodes().end() && it->second.sim.containers().count(InstanceKey{key, c.instance.number})) state = "stopped";
    }
    passed = true;
    if (c.state) {
        const char* want = *c.state == InstanceState::Running ? "running" : *c.state == InstanceState::Stopped ? "stopped" : "missing";
        passed = passed && state == want;
    }
    if (c.on) passed = passed && running && node == *c.on;
    return state + (node.empty() ? "" : " on " + node);
}

std::string nodeActual(const World& w, const NodeCheck& c, bool& passed) {
    const Node* n = w.master().node(c.node);
    passed = true;
    if (c.exists) passed = passed && (n != nullptr) == *c.exists;
    if (!n) {
        if (c.status || c.number || c.availability || c.initial || c.instances) passed = false;
        return "does not exist";
    }
    std::ostringstream out;
    const std::string status = nodeStatusName(*n);
    const bool initial = n->isInitial(w.master().grid.initialSize);
    int instances = 0;
    for (const auto& [key, inst] : w.master().instances) {
        if (inst.node == c.node && w.instanceRunning(key.service, key.number)) ++instances;
    }
    out << status << ", number " << n->number << ", " << toString(n->availability) << (initial ? ", initial" : ", not initial") << ", "
        << instances << " instances";
    if (c.status) {
        const std::string want = *c.status == NodeStatus::Drain ? "drain" : *c.status == NodeStatus::Online ? "online" : "offline";
        passed = passed && status == want;
    }
    if (c.number) passed = passed && n->number == *c.number;
    if (c.availability) passed = passed && n->availability == *c.availability;
    if (c.initial) passed = passed && initial == *c.initial;
    if (c.instances) passed = passed && instances == *c.instances;
    return out.str();
}

}  // namespace

std::string checkActual(const World& w, const Check& check, bool& passed) {
    return std::visit(Overloaded{
                          [&](const ServiceCheck& c) { return serviceActual(w, c, passed); },
                          [&](const InstanceCheck& c) { return instanceActual(w, c, passed); },
                          [&](const NodeCheck& c) { return nodeActual(w, c, passed); },
                          [&](const QuorumCheck& c) {
                              passed = w.master().quorum == c.expected;
                              return std::string(w.master().quorum ? "quorum" : "no quorum") + " (" + quorumSummary(w.master()) + ")";
                          },
                          [&](const RefusedCheck& c) {
                              int index = 0;
                              const EventOutcome* o = selectEvent(w, c.event, &index);
                              if (!o) {
                                  passed = false;
                                  return std::string("no such event has happened yet");
                              }
                              passed = o->refusal.has_value() && (!c.message || o->refusal->find(*c.message) != std::string::npos);
                              return "event " + std::to_string(index) + (o->refusal ? " refused: " + *o->refusal : " applied");
                          },
                          [&](const AcceptedCheck& c) {
                              int index = 0;
                              const EventOutcome* o = selectEvent(w, c.event, &index);
                              passed = o && !o->refusal;
                              if (!o) return std::string("no such event has happened yet");
                              return "event " + std::to_string(index) + (o->refusal ? " refused: " + *o->refusal : " applied");
                          },
                          [&](const MovesCheck& c) {
                              const int moves = w.moves(c.service.key());
                              passed = moves <= c.max;
                              return std::to_string(moves) + " moves";
                          },
                          [&](const LastDeployCheck& c) {
                              const ServiceDeploy* last = nullptr;
                              for (const auto& [id, dep] : w.master().deploys) {
                                  if (dep.service == c.service.key() && dep.finishedAt && *dep.finishedAt <= w.now()) last = &dep;
                              }
                              if (!last) {
                                  passed = false;
                                  return std::string("no finished deploy");
                              }
                              const bool ok = last->state == kontena::DeployState::Success;
                              passed = ok == (c.state == DeployOutcome::Success) &&
                                       (!c.message || last->error.find(*c.message) != std::string::npos);
                              return std::string(ok ? "success" : "error: " + last->error);
                          },
                          [&](const RestartsCheck& c) {
                              int n = 0;
                              if (const auto* s = std::get_if<ServiceRef>(&c.target)) n = w.restarts(s->key(), 0);
                              else {
                                  const auto& i = std::get<InstanceRef>(c.target);
                                  n = w.restarts(i.service.key(), i.number);
                              }
                              passed = (!c.min || n >= *c.min) && (!c.max || n <= *c.max);
                              return std::to_string(n) + " restarts";
                          },
                      },
                      check.subject);
}

std::string checkExpected(const Check& check) {
    return std::visit(Overloaded{
                          [](const ServiceCheck& c) {
                              std::ostringstream o;
                              o << "service " << c.service.key() << ":";
                              if (c.running) o << " running " << *c.running;
                              if (c.minRunning) o << " min_running " << *c.minRunning;
                              if (c.maxRunning) o << " max_running " << *c.maxRunning;
                              if (c.on) o << " on " << joinNames(*c.on);
                              if (c.notOn) o << " not_on " << joinNames(*c.notOn);
                              if (c.spread) o << " spread over " << *c.spread;
                              if (c.healthy) o << " healthy " << *c.healthy;
                              return o.str();
                          },
                          [](const InstanceCheck& c) {
                              std::string s = "instance " + c.instance.name() + ":";
                              if (c.on) s += " on " + *c.on;
                              if (c.state) s += std::string(" ") + (*c.state == InstanceState::Running ? "running" : *c.state == InstanceState::Stopped ? "stopped" : "missing");
                              return s;
                          },
                          [](const NodeCheck& c) {
                              std::ostringstream o;
                              o << "node " << c.node << ":";
                              if (c.status) o << " status " << toString(*c.status);
                              if (c.number) o << " number " << *c.number;
                              if (c.exists) o << (*c.exists ? " exists" : " does not exist");
                              if (c.availability) o << " availability " << toString(*c.availability);
                              if (c.initial) o << (*c.initial ? " initial" : " not initial");
                              if (c.instances) o << " " << *c.instances << " instances";
                              return o.str();
                          },
                          [](const QuorumCheck& c) { return std::string(c.expected ? "quorum" : "no quorum"); },
                          [](const RefusedCheck& c) {
                              std::string s = "refused";
                              if (c.message) s += " with \"" + *c.message + "\"";
                              return s;
                          },
                          [](const AcceptedCheck&) { return std::string("accepted"); },
                          [](const MovesCheck& c) { return "at most " + std::to_string(c.max) + " moves of " + c.service.key(); },
                          [](const LastDeployCheck& c) {
                              std::string s = "last deploy of " + c.service.key() + ": " + (c.state == DeployOutcome::Success ? "success" : "error");
                              if (c.message) s += " with \"" + *c.message + "\"";
                              return s;
                          },
                          [](const RestartsCheck& c) {
                              std::string s = "restarts";
                              if (c.min) s += " >= " + std::to_string(*c.min);
                              if (c.max) s += " <= " + std::to_string(*c.max);
                              return s;
                          },
                      },
                      check.subject);
}

void World::evaluateCheck(std::size_t i) {
    const Check& c = sc_.expect[i];
    if (c.when.interval) {
        openIntervals_.push_back(i);
        evaluateIntervals();
        return;
    }
    bool passed = false;
    CheckResult& r = report_.checks[i];
    r.actual = checkActual(*this, c, passed);
    r.passed = passed;
    if (!passed) r.failedAt = now_;
}

void World::evaluateIntervals() {
    for (auto it = openIntervals_.begin(); it != openIntervals_.end();) {
        const Check& c = sc_.expect[*it];
        if (now_ > c.when.to) {
            it = openIntervals_.erase(it);
            continue;
        }
        CheckResult& r = report_.checks[*it];
        bool passed = false;
        const std::string actual = checkActual(*this, c, passed);
        if (r.passed) r.actual = actual;
        if (!passed && r.passed) {
            r.passed = false;
            r.failedAt = now_;
        }
        ++it;
    }
}

}  // namespace kontena::sim::detail
