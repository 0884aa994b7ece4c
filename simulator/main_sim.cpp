// kontena-sim: validate, run and explore scenario files.
// Exit status: 0 all good, 1 a check failed, 2 invalid scenario or command line.
#include <iostream>
#include <string>
#include <vector>

#include "simulator/scenario.h"
#include "simulator/engine/run_command.h"
#include "simulator/scenario_args.h"

namespace {

using namespace kontena::sim;

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 2;

// Loads every file; prints each diagnostic as FILE:LINE:COLUMN: message on
// stderr. Returns the scenarios only if every file is valid.
std::optional<std::vector<Scenario>> loadAll(const std::vector<std::string>& files) {
    std::vector<Scenario> out;
    bool ok = true;
    for (const auto& file : files) {
        auto loaded = loadScenarioFile(file);
        if (!loaded) {
            for (const auto& d : loaded.error()) std::cerr << formatDiagnostic(d) << "\n";
            ok = false;
            continue;
        }
        out.push_back(std::move(loaded).value());
    }
    if (!ok) return std::nullopt;
    return out;
}

int checkCommand(const CheckOptions& o) {
    const auto scenarios = loadAll(o.files);
    if (!scenarios) return kExitInvalid;
    if (!o.quiet) {
        for (const auto& s : *scenarios) {
            std::cout << s.file.string() << ": ok: " << s.name << " (" << s.nodes.size() << " nodes, "
                      << s.events.size() << " events, " << s.expect.size() << " checks)\n";
        }
    }
    return kExitOk;
}


int helpCommand(const HelpRequest&) {
    std::cout << usageText();
    return kExitOk;
}

// One handler per command; add a command by adding an alternative to
// Command (scenario_args.h) and an overload here.
struct Dispatch {
    int operator()(const HelpRequest& h) const { return helpCommand(h); }
    int operator()(const CheckOptions& o) const { return checkCommand(o); }
    int operator()(const RunOptions& o) const { return kontena::sim::runCommand(o); }       // engine/run_command.h
    int operator()(const ExploreOptions& o) const { return kontena::sim::exploreCommand(o); }
    int operator()(const WhatIfOptions& o) const { return kontena::sim::whatIfCommand(o); }
};

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto command = parseCommandLine(args);
    if (!command) {
        std::cerr << "kontena-sim: " << command.error().message << "\n" << usageText();
        return kExitInvalid;
    }
    return std::visit(Dispatch{}, command.value());
}
