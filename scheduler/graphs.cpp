#include "scheduler/graphs.h"

#include <algorithm>
#include <map>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include "scheduler/affinity.h"

namespace kontena {

namespace {

using Digraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Strongly connected components; returns component id per vertex.
std::vector<int> components(const Digraph& g) {
    std::vector<int> comp(boost::num_vertices(g));
    boost::strong_components(g, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, g)));
    return comp;
}

// A readable cycle through vertex `start` inside its component: "a -> b -> a".
std::string describeCycle(const Digraph& g, const std::vector<int>& comp, std::size_t start,
                          const std::vector<std::string>& names) {
    std::vector<std::size_t> path{start};
    std::set<std::size_t> seen{start};
    std::size_t at = start;
    for (;;) {
        std::size_t next = start;
        bool found = false;
        for (auto [e, end] = boost::out_edges(at, g); e != end; ++e) {
            const std::size_t t = boost::target(*e, g);
            if (comp[t] != comp[start]) continue;
            if (t == start) { next = t; found = true; break; }
            if (!seen.count(t) && !found) { next = t; found = true; }
        }
        if (!found || next == start) break;
        path.push_back(next);
        seen.insert(next);
        at = next;
    }
    std::string out;
    for (std::size_t v : path) out += names[v] + " -> ";
    return out + names[start];
}

bool hasSelfLoop(const Digraph& g, std::size_t v) {
    for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
        if (boost::target(*e, g) == v) return true;
    }
    return false;
}

// Kahn's algorithm; `priority(v)` orders the ready vertices (smaller first).
template <typename Priority>
std::vector<std::size_t> orderedTopological(const Digraph& needsGraph, Priority priority) {
    const std::size_t n = boost::num_vertices(needsGraph);
    // needsGraph has an edge v -> d when v needs d; count unmet needs per vertex.
    std::vector<std::size_t> unmet(n, 0);
    std::vector<std::vector<std::size_t>> dependents(n);
    for (std::size_t v = 0; v < n; ++v) {
        std::set<std::size_t> targets;
        for (auto [e, end] = boost::out_edges(v, needsGraph); e != end; ++e) targets.insert(boost::target(*e, needsGraph));
        unmet[v] = targets.size();
        for (std::size_t d : targets) dependents[d].push_back(v);
    }
    std::set<std::pair<decltype(priority(0)), std::size_t>> ready;
    for (std::size_t v = 0; v < n; ++v) if (unmet[v] == 0) ready.insert({priority(v), v});
    std::vector<std::size_t> out;
    while (!ready.empty()) {
        const std::size_t v = ready.begin()->second;
        ready.erase(ready.begin());
        out.push_back(v);
        for (std::size_t w : dependents[v]) {
            if (--unmet[w] == 0) ready.insert({priority(w), w});
        }
    }
    return out;
}

std::size_t reachableCount(const Digraph& g, std::size_t from) {
    std::vector<bool> seen(boost::num_vertices(g), false);
    std::vector<std::size_t> stack{from};
    std::size_t count = 0;
    while (!stack.empty()) {
        const std::size_t v = stack.back();
        stack.pop_back();
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
            const std::size_t t = boost::target(*e, g);
            if (!seen[t] && t != from) {
                seen[t] = true;
                ++count;
                stack.push_back(t);
            }
        }
    }
    return count;
}

}  // namespace

Result<std::vector<std::string>> serviceDeployOrder(const std::vector<ServiceSpec>& services) {
    std::map<std::string, std::size_t> ids;
    std::vector<std::string> names;
    for (const auto& s : services) {
        ids.emplace(s.name, names.size());
        names.push_back(s.name);
    }
    Digraph g(names.size());
    for (std::size_t i = 0; i < services.size(); ++i) {
        std::vector<std::string> missing;
        for (const auto& link : services[i].links) {
            if (!link.stack.empty() && link.stack != services[i].stack) continue;   // cross-stack: ignored
            auto it = ids.find(link.service);
            if (it == ids.end()) missing.push_back(link.service);
            else boost::add_edge(i, it->second, g);
        }
        if (!missing.empty()) {
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
            return Error{"service " + services[i].name + " has missing links: " + list};
        }
    }
    const auto comp = components(g);
    std::map<int, int> compSize;
    for (int c : comp) ++compSize[c];
    for (std::size_t v = 0; v < names.size(); ++v) {
        if (compSize[comp[v]] > 1 || hasSelfLoop(g, v)) {
            return Error{"service " + names[v] + " has recursive links: " + describeCycle(g, comp, v, names)};
        }
    }
    std::vector<std::size_t> closure(names.size());
    for (std::size_t v = 0; v < names.size(); ++v) closure[v] = reachableCount(g, v);
    const auto order = orderedTopological(g, [&](std::size_t v) { return std::make_pair(closure[v], v); });
    std::vector<std::string> out;
    for (std::size_t v : order) out.push_back(names[v]);
    return out;
}

Result<std::vector<std::string>> dependencyOrder(const std::vector<DependencyItem>& items, const std::string& kind) {
    std::map<std::string, std::size_t> ids;
    std::vector<std::string> names;
    for (const auto& item : items) {
        if (ids.emplace(item.name, names.size()).second) names.push_back(item.name);
    }
    Digraph g(names.size());
    for (const auto& item : items) {
        for (const auto& need : item.needs) {
            auto it = ids.find(need);
            if (it == ids.end()) return Error{kind + " " + item.name + " depends on missing " + kind + " " + need};
            boost::add_edge(ids[item.name], it->second, g);
        }
    }
    const auto comp = components(g);
    std::map<int, int> compSize;
    for (int c : comp) ++compSize[c];
    for (std::size_t v = 0; v < names.size(); ++v) {
        if (compSize[comp[v]] > 1 || hasSelfLoop(g, v)) {
            return Error{kind + "s depend on each other: " + describeCycle(g, comp, v, names)};
        }
    }
    const auto order = orderedTopological(g, [](std::size_t v) { return v; });
    std::vector<std::string> out;
    for (std::size_t v : order) out.push_back(names[v]);
    return out;
}

namespace {

// Hard service rules of one service, resolved to the service keys they name.
struct ServiceRelations {
    std::set<std::string> requires_, excludes;
};

std::set<std::string> targetsOf(const AffinityRule& rule, const ServiceSpec& owner, const std::vector<ServiceSpec>& all) {
    std::set<std::string> out;
    for (const auto& s : all) {
        const std::string key = s.key();
        bool hit = false;
        if (rule.isRegex()) hit = rule.regexHasStackSeparator ? rule.valueMatches(key) : (s.stack == owner.stack && rule.valueMatches(s.name));
        else hit = key == (rule.value.find('/') != std::string::npos ? rule.value : owner.stack + "/" + rule.value);
        if (hit) out.insert(key);
    }
    return out;
}

}  // namespace

std::vector<AffinityConflict> affinityConflicts(const std::vector<ServiceSpec>& services,
                                                const std::vector<std::string>& gridDefaultAffinity) {
    std::vector<AffinityConflict> out;
    std::map<std::string, ServiceRelations> rel;
    std::map<std::string, std::size_t> ids;
    std::vector<std::string> names;
    for (const auto& s : services) {
        ids.emplace(s.key(), names.size());
        names.push_back(s.key());
        auto& r = rel[s.key()];
        const auto& texts = s.affinity.empty() ? gridDefaultAffinity : s.affinity;
        for (const auto& text : texts) {
            auto parsed = parseAffinityRule(substituteInstanceNumber(text, 1));
            if (!parsed) {
                out.push_back({s.key(), parsed.error().message});
                continue;
            }
            const AffinityRule& rule = parsed.value();
            if (rule.key != AffinityKey::Service || rule.soft) continue;
            for (const auto& t : targetsOf(rule, s, services)) (rule.op == AffinityOp::Eq ? r.requires_ : r.excludes).insert(t);
        }
    }
    Digraph requiresGraph(names.size());
    for (const auto& [key, r] : rel) {
        for (const auto& t : r.requires_) {
            if (r.excludes.count(t)) out.push_back({key, "service " + key + " both requires and excludes the nodes of " + t});
            if (t == key) out.push_back({key, "service " + key + " requires nodes that already run it (service==" + t +
                                                  "), so its first instance can never be placed"});
            else boost::add_edge(ids[key], ids[t], requiresGraph);
            auto other = rel.find(t);
            if (other != rel.end() && other->second.excludes.count(key)) {
                out.push_back({key, "service " + key + " requires the nodes of " + t + ", but " + t + " excludes the nodes of " + key});
            }
        }
    }
    const auto comp = components(requiresGraph);
    std::map<int, std::vector<std::size_t>> members;
    for (std::size_t v = 0; v < names.size(); ++v) members[comp[v]].push_back(v);
    for (const auto& [c, vs] : members) {
        if (vs.size() < 2) continue;
        out.push_back({names[vs.front()], "services require each other's nodes in a cycle, so none can be placed first: " +
                                              describeCycle(requiresGraph, comp, vs.front(), names)});
    }
    return out;
}

}  // namespace kontena
