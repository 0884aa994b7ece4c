#pragma once
// The `kontena-sim` command line (../shared/spec/scenario-format.md,
// "Running") parsed into plain option structs. No I/O here: main_sim.cpp
// prints and dispatches.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scheduler/result.h"

namespace kontena::sim {

// kontena-sim check FILE... [--quiet]
struct CheckOptions {
    std::vector<std::string> files;
    bool quiet = false;
};

// kontena-sim run FILE... [--seed N] [--report FILE.json]
//                          [--timeline FILE.svg|FILE.png] [--time-scale F|real] [--quiet]
struct RunOptions {
    std::vector<std::string> files;
    std::optional<std::uint64_t> seed;   // overrides each scenario's seed
    // Every time and timing multiplied by this (scaledScenario); 0 means
    // "real": each scenario's own `real.time_scale` (1 when it has none).
    std::optional<double> timeScale;
    std::optional<std::string> report;
    std::optional<std::string> timeline; // the extension picks the format
    bool quiet = false;
};

// kontena-sim explore FILE --seeds N [--from-seed K] [--report FILE.json] [--timeline FILE.svg|FILE.png]
struct ExploreOptions {
    std::string file;
    std::uint64_t seeds = 0;             // >= 1
    std::uint64_t fromSeed = 1;          // seeds K .. K+N-1
    // Written for each failing seed ("seed-N." before the name when several fail).
    std::optional<std::string> report;
    std::optional<std::string> timeline;
};

// kontena-sim what-if GRID.json|- [--offline N,N] [--unresponsive N,N] [--drain N,N]
//                    [--for DURATION] [--settle DURATION] [--observe DURATION]
//                    [--write FILE.yaml] [--seed N] [--report FILE.json]
//                    [--timeline FILE.svg|FILE.png] [--quiet]
// Builds a rehearsal scenario from a live grid's API objects
// (engine/what_if.h) and runs it.
struct WhatIfOptions {
    std::string gridFile;                 // "-": standard input
    std::vector<std::string> offline, unresponsive, drain;
    std::optional<std::int64_t> outageMs; // --for
    std::optional<std::int64_t> settleMs;
    std::optional<std::int64_t> observeMs;
    std::optional<std::string> write;     // keep the scenario (to edit and re-run)
    RunOptions run;                       // files is filled in by the command
};

// kontena-sim help | --help | -h
struct HelpRequest {};

using Command = std::variant<HelpRequest, CheckOptions, RunOptions, ExploreOptions, WhatIfOptions>;

// Parses the arguments after the program name. Options may be written
// `--name value` or `--name=value`, before or after the files. An error
// says what is wrong in one line; the caller adds the usage text.
Result<Command> parseCommandLine(const std::vector<std::string>& args);

// The usage text, several lines ending in a newline.
std::string usageText();

}  // namespace kontena::sim
