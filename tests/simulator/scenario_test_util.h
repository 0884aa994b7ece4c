#pragma once
// Helpers for the scenario loader's tests.

#include <QTest>
#include <string>

#include "simulator/scenario.h"

namespace kontena::sim::test {

// A valid scenario head: two nodes, stacks `web` (inline) and `db`;
// append `events:` / `expect:` blocks to it.
inline const std::string kHead =
    "scenario: t\n"
    "nodes:\n"
    "  - name: n1\n"
    "  - name: n2\n"
    "stacks:\n"
    "  web:\n"
    "    inline: {stack: test/web, services: {api: {image: nginx}}}\n"
    "  db:\n"
    "    inline: {stack: test/db, services: {pg: {image: postgres, stateful: true}}}\n";

inline Result<Scenario, Diagnostics> load(const std::string& text, const std::string& file = "t.yaml") {
    return loadScenarioText(text, file);
}

// All diagnostics, one per line, for failure messages.
inline std::string describe(const Result<Scenario, Diagnostics>& r) {
    if (r.ok()) return "(valid)";
    std::string out;
    for (const auto& d : r.error()) out += formatDiagnostic(d) + "\n";
    return out;
}

}  // namespace kontena::sim::test

// Loads `text` into `const Scenario& var`, failing the test if it is invalid.
#define LOAD_VALID(var, text)                                          \
    auto var##Result = ::kontena::sim::test::load(text);               \
    QVERIFY2(var##Result.ok(), ::kontena::sim::test::describe(var##Result).c_str()); \
    const ::kontena::sim::Scenario& var = var##Result.value()
