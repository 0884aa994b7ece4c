#pragma once
// "What if": a scenario built from a live grid's state, so an operator can
// rehearse a failure on the grid they run ("what happens if node-2 and
// node-3 go offline now?") before it happens.
//
// The input is what the master's API returns (GET /v1/grids/:grid/state,
// master/API.md): the grid object, its node objects, its stack objects
// (each with `source`, the rendered stack file as installed, and its
// services) and where every instance runs now (`instances`). The output is
// a scenario file in the format of ../shared/spec/scenario-format.md, plus
// the stack key `placement:` (simulator/README.md), that
//   1. connects the nodes in node-number order (so numbers and initial
//      nodes match the live grid), applies labels, drains what is drained
//      and disconnects what is offline now;
//   2. installs every stack, children before parents, with the live
//      instance counts, and finds each instance on the node it runs on now
//      (stateful ones included: their data is on that node); services that
//      are stopped now are stopped;
//   3. once the grid has settled, applies the rehearsed failure;
//   4. expects every non-daemon service that is not stopped to run its
//      instances at the end, so the summary says whether the grid recovers.
// So the rehearsal moves the containers the live grid runs, where they
// run. A state without `instances` (an older master) gives a fresh deploy
// of the same stacks on the same nodes instead.

#include <optional>
#include <string>
#include <vector>

#include "scheduler/result.h"
#include "scheduler/time.h"

namespace kontena::sim {

struct WhatIf {
    std::vector<std::string> offline;       // nodes whose connection is lost
    std::vector<std::string> unresponsive;  // nodes that stop answering pings
    std::vector<std::string> drain;         // nodes drained by the operator
    std::optional<Duration> outage;         // nodes come back after this long (none: they stay down)
    Duration settle = Duration::minutes(5); // from the deploy to the failure
    Duration observe = Duration::minutes(15);   // after the failure (or the return)
};

// `gridJson`: {"grid": {...}, "nodes": [...], "stacks": [...], "instances":
// [...]} as the API gives them. Returns the scenario's YAML text, or an error message that
// names the offending field.
Result<std::string> whatIfScenario(const std::string& gridJson, const WhatIf& whatIf);

}  // namespace kontena::sim
