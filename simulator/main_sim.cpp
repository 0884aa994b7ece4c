// kontena-sim: validate and (once the engine lands) run scenario files.
// Exit status: 0 all good, 1 a check failed, 2 invalid scenario or command
// line, 3 a command whose machinery is not built yet.
#include <iostream>
#include <string>
#include <vector>

#include "simulator/scenario.h"
#include "simulator/scenario_args.h"

namespace {

using namespace kontena::sim;

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 2;
constexpr int kExitNotBuilt = 3;

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

int notBuilt(const char* command) {
    std::cerr << "kontena-sim " << command << ": not implemented yet: the simulation engine is not built\n";
    return kExitNotBuilt;
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

int runCommand(const RunOptions& o) {
    if (!loadAll(o.files)) return kExitInvalid;   // nothing is run when a file is invalid
    return notBuilt("run");
}

int exploreCommand(const ExploreOptions& o) {
    if (!loadAll({o.file})) return kExitInvalid;
    return notBuilt("explore");
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
    int operator()(const RunOptions& o) const { return runCommand(o); }
    int operator()(const ExploreOptions& o) const { return exploreCommand(o); }
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
