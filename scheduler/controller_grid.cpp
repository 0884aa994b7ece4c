// Stack- and grid-wide user actions: one decision for what a user asks of a
// whole stack or of the grid itself, so every driver (the master's API, a
// test harness) gets the same rule instead of looping or checking itself.
#include "scheduler/controller_internal.h"

namespace kontena::detail {

namespace {

// Runs `each` on every service of `stack` that exists, in the stack's order;
// refuses the decision when the stack does not exist.
template <class Each>
void forEachStackService(Draft& d, const std::string& stack, const char* action, Each each) {
    const Stack* s = d.stack(stack);
    if (!s) {
        d.refuse(RefusalKind::NotFound, std::string("Cannot ") + action + " stack " + stack + ": no such stack");
        return;
    }
    const std::vector<std::string> services = s->services;
    for (const auto& key : services) {
        if (d.service(key)) each(key);
        if (d.refused()) return;
    }
}

}  // namespace

void onStackStop(Draft& d, const ev::StackStop& e) {
    forEachStackService(d, e.stack, "stop", [&](const std::string& key) { onServiceStop(d, ev::ServiceStop{key}); });
}

void onStackStart(Draft& d, const ev::StackStart& e) {
    forEachStackService(d, e.stack, "start", [&](const std::string& key) { onServiceStart(d, ev::ServiceStart{key}); });
}

void onStackRestart(Draft& d, const ev::StackRestart& e) {
    forEachStackService(d, e.stack, "restart", [&](const std::string& key) { onServiceRestart(d, ev::ServiceRestart{key}); });
}

void onGridRemove(Draft& d, const ev::GridRemove&) {
    int online = 0;
    for (const Node* n : d.allNodes()) online += n->connected ? 1 : 0;
    if (online == 0) return;
    d.refuse(RefusalKind::Conflict, "Cannot remove grid " + d.base().grid.name + ": " + std::to_string(online) +
                                        " node(s) online; stop their agents and remove the nodes first");
}

}  // namespace kontena::detail
