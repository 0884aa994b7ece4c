#pragma once
// One way to install a loaded stack file into the core, shared by every
// driver (the master's API and the simulator's deploy/upgrade events): a
// stack with `depends` becomes one ev::StackApply per stack, every child
// before its parent, and the first refusal stops the install, so a parent is
// never applied without its children.
//
//   web (deploy)             applied as: web-db, web-cache, web
//   ├── web-db
//   └── web-cache

#include <string>
#include <utility>
#include <vector>

#include "scheduler/controller.h"
#include "stacks/stack.h"

namespace kontena::stacks {

// One stack of a loaded tree, ready for the core.
struct StackApplyStep {
    const Stack* stack = nullptr;   // points into the tree given to stackApplySteps (keep it alive)
    std::string parent;             // the parent stack's name; empty for the stack the user named
    ev::StackApply event;           // services with spec.stack set, dependsOn = the child stacks' names
};

// Every stack of `root`'s tree in apply order: depth first, children in
// `depends` order, each parent right after its children, `root` last. Only
// `root` carries `deployRoot`; children are installed without a deploy of
// their own (the root's stack deploy deploys them first).
std::vector<StackApplyStep> stackApplySteps(const Stack& root, bool deployRoot);

// Applies `root`'s tree through `deliver`, one step at a time, and stops at
// the first refusal. `deliver(const StackApplyStep&)` hands the step's event
// to the core and returns the refusal or an empty value (anything testable
// as a bool: std::optional<Refusal>, std::optional<std::string>...). Returns
// the first refusal, or an empty value when every stack was applied. Steps
// before a refused one stay applied (each is its own core decision).
template <class Deliver>
auto applyStackTree(const Stack& root, bool deployRoot, Deliver&& deliver)
    -> decltype(deliver(std::declval<const StackApplyStep&>())) {
    for (const StackApplyStep& step : stackApplySteps(root, deployRoot)) {
        if (auto refused = deliver(step)) return refused;
    }
    return {};
}

}  // namespace kontena::stacks
