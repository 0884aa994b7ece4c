#pragma once
// Internal to the scenario loader: the parts of a file read one by one,
// with the names they use and where, so that references can be checked
// once the whole file is read (simulator/scenario_validate.cpp).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulator/scenario.h"
#include "simulator/scenario_reader.h"

namespace kontena::sim {

// A name used by an event or a check, and where.
struct NameUse {
    std::string name;
    SourcePos pos;
};

struct References {
    std::vector<NameUse> nodes;
    std::vector<NameUse> stacks;
};

struct ParsedEvent {
    Event event;
    References refs;
};

struct ParsedCheck {
    Check check;
    References refs;
    SourcePos eventPos;   // where a refused/accepted check names its event
};

// Limits that keep any input cheap to load.
inline constexpr std::size_t kMaxNodes = 100'000;

// Budget of nodes left to declare (groups can be large).
struct NodeBudget {
    std::size_t left = kMaxNodes;
};

// `nodes:` entries and node_add values: one node or a group. When
// `eventAt` is set (node_add) `connect_at` is not allowed and every member
// connects at *eventAt. Returns nullopt after reporting errors.
std::optional<std::vector<ScenarioNode>> readNodeEntry(Reader& r, const YAML::Node& n, std::string_view what,
                                                       std::optional<Instant> eventAt, NodeBudget& budget);

// `file:` or `inline:` of a stack or an upgrade, plus its variables.
struct StackSourceFields {
    StackSource source;
    std::map<std::string, std::string> variables;
};
std::optional<StackSourceFields> readStackSource(Reader& r, const Fields& f, std::string_view what,
                                                 const std::filesystem::path& baseDir);

// A stack's `placement:` map, `STACK/SERVICE-N: node` (beyond the spec):
// instances and node names well formed, each instance once. Whether the
// nodes exist is checked with the rest (validateScenario); whether the
// services do, when the stack is deployed. Sorted by instance name.
std::vector<PlacedInstance> readPlacement(Reader& r, const YAML::Node& n);

std::vector<ParsedEvent> readEvents(Reader& r, const YAML::Node& list, const std::filesystem::path& baseDir,
                                    NodeBudget& budget);
std::vector<ParsedCheck> readChecks(Reader& r, const YAML::Node& list);

// Checks every name against the scenario's declarations, the order of
// node_add events, and event selectors of refused/accepted checks; also
// times against `until`. Sorts the events by time (file order on ties).
void validateScenario(Reader& r, Scenario& s, std::vector<ParsedEvent>& events,
                      const std::vector<ParsedCheck>& checks);

}  // namespace kontena::sim
