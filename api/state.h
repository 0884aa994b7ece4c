#pragma once
// The grid state (GET /v1/grids/:grid/state) in plain C++, for readers
// without Qt: `kontena-sim what-if` (the simulator has no Qt). It reads the
// same keys as GridState in api/grid.h, only the fields a rehearsal needs,
// and is as lenient as a rehearsal can afford: a field of the wrong type is
// read as missing, except where the rehearsal cannot do without it (a node
// or stack without a name, lists that are not lists).
// tests/api checks that both readers agree on the documented sample.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/result.h"

namespace kontena::api::state {

struct OfflineGrace {
    std::optional<double> daemon, ha, random;   // seconds, >= 0
};

struct Settings {
    std::optional<double> onlineGrace, keepaliveInterval, keepaliveTimeout;   // seconds, >= 0
    bool hasOfflineGrace = false;   // "offline_grace" is a non-empty object
    OfflineGrace offlineGrace;
};

struct Grid {
    std::string name;
    std::optional<int> initialSize, maxNodes;
    std::vector<std::string> defaultAffinity;
    bool hasSettings = false;   // "settings" is a non-empty object
    Settings settings;
};

struct Node {
    std::string name;           // never empty
    int nodeNumber = 0;         // 0: none
    std::vector<std::string> labels;
    std::string status, availability;
    int cpus = 0;
    std::int64_t memTotal = 0;  // bytes
};

struct Service {
    std::string name;           // never empty
    std::optional<int> instances;   // desired, >= 0
    std::string state;          // initialized|deploying|running|stopped|partially_running, "" when missing
};

struct Stack {
    std::string name;           // never empty
    std::string parent;         // "" for none
    std::string source;         // "" when missing
    std::vector<Service> services;   // only those with a name
};

// Where an instance runs now. Instances without a node (its node was
// removed) or with an unreadable service are left out.
struct PlacedInstance {
    std::string stack, service;   // from "service_id": grid/stack/service
    int number = 0;               // >= 1
    std::string node;             // never empty
    std::string desired;          // running|stopped|initialized
};

struct GridState {
    Grid grid;
    std::vector<Node> nodes;    // in the API's order
    std::vector<Stack> stacks;
    std::vector<PlacedInstance> instances;   // in the API's order; empty from a master that sends none
};

// Parses the JSON text of a grid state. Errors name the offending field
// ("nodes[1]: \"name\" is missing"); never throws.
Result<GridState> parseGridState(const std::string& json);

}  // namespace kontena::api::state
