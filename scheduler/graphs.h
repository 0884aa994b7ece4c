#pragma once
// Dependency and affinity graphs between services (Boost.Graph inside).
//
// - Deploy order: a service comes after every same-stack service it links to
//   (links, depends_on); among services with no order between them, fewer
//   transitive links first, then file order (reference §3.7).
// - Stack order: child stacks (`depends`) before their parents.
// - Affinity conflicts: service==/service!= rules that can never all hold,
//   reported before anything deploys.

#include <string>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/result.h"

namespace kontena {

// Deploy order of one stack's services (names, in order). Errors:
// "service X has missing links: Y" and "service X has recursive links: X -> Y -> X".
Result<std::vector<std::string>> serviceDeployOrder(const std::vector<ServiceSpec>& stackServices);

// A named item and the items it needs first.
struct DependencyItem {
    std::string name;
    std::vector<std::string> needs;
};

// Order in which the items can be handled, each after what it needs
// (ties in input order). Errors name the missing item or the cycle:
// "stack a depends on missing stack b", "stacks depend on each other: a -> b -> a".
Result<std::vector<std::string>> dependencyOrder(const std::vector<DependencyItem>& items, const std::string& kind);

struct AffinityConflict {
    std::string service;   // service key the conflict is reported on
    std::string message;
};

// Contradictions among hard service==/service!= rules of `services`
// (any stacks; rules are resolved stack-scoped as placement resolves them):
//  - a service that requires and excludes the same service;
//  - a service that requires its own instances (the first can never start);
//  - services that require each other in a cycle (none can start first);
//  - A requires B's nodes while B excludes A's nodes.
std::vector<AffinityConflict> affinityConflicts(const std::vector<ServiceSpec>& services,
                                                const std::vector<std::string>& gridDefaultAffinity = {});

}  // namespace kontena
