#include "simulator/engine/run_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "simulator/engine/engine.h"
#include "simulator/engine/explore.h"
#include "simulator/engine/timeline_png.h"
#include "simulator/engine/timeline_svg.h"
#include "simulator/engine/what_if.h"
#include "simulator/scenario.h"

namespace kontena::sim {

namespace {

bool writeFile(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    return static_cast<bool>(f);
}

// Writes the JSON report and/or the timeline picture (SVG or PNG by the
// extension); false after printing why on stderr.
bool writeOutputs(const RunReport& report, const std::optional<std::string>& reportPath, const std::optional<std::string>& timelinePath) {
    if (reportPath && !writeFile(*reportPath, reportJson(report))) {
        std::cerr << "cannot write report " << *reportPath << "\n";
        return false;
    }
    if (!timelinePath) return true;
    const std::string& path = *timelinePath;
    const std::string svg = renderTimelineSvg(report);
    const bool png = path.size() > 4 && path.compare(path.size() - 4, 4, ".png") == 0;
    if (png) {
        const std::string error = writeTimelinePng(svg, path);
        if (error.empty()) return true;
        std::cerr << "cannot write timeline " << path << ": " << error << "\n";
        return false;
    }
    if (writeFile(path, svg)) return true;
    std::cerr << "cannot write timeline " << path << "\n";
    return false;
}

std::optional<std::string> prefixed(const std::optional<std::string>& path, const std::string& prefix) {
    if (!path) return std::nullopt;
    const std::filesystem::path p(*path);
    return (p.parent_path() / (prefix + p.filename().string())).string();
}

}  // namespace

int runCommand(const RunOptions& options) {
    std::vector<Scenario> scenarios;
    bool invalid = false;
    for (const auto& file : options.files) {
        auto loaded = loadScenarioFile(file);
        if (!loaded) {
            for (const auto& d : loaded.error()) std::cerr << formatDiagnostic(d) << "\n";
            invalid = true;
            continue;
        }
        Scenario sc = std::move(loaded).value();
        if (options.timeScale) {
            // `real`: as the scenario's run on real hosts sees it (its scale and container start).
            if (*options.timeScale > 0) sc = scaledScenario(sc, *options.timeScale);
            else sc = sc.real ? realHostScenario(sc) : scaledScenario(sc, 1.0);
        }
        scenarios.push_back(std::move(sc));
    }
    if (invalid) return 2;
    bool allPassed = true;
    const bool many = scenarios.size() > 1;
    for (const auto& sc : scenarios) {
        EngineOptions eo;
        eo.seed = options.seed.value_or(sc.seed);
        eo.recordSpans = options.timeline.has_value();
        // A progress line for long runs on a terminal (wall clock here only, never in the report).
        const bool tty = isatty(2) != 0 && !options.quiet;
        auto lastPrint = std::chrono::steady_clock::now();
        bool printed = false;
        if (tty) {
            eo.observeRunning = false;
            eo.observer = [&](Instant now, const ClusterState&, const std::map<InstanceKey, int>&) {
                const auto wall = std::chrono::steady_clock::now();
                if (wall - lastPrint < std::chrono::milliseconds(500)) return;
                lastPrint = wall;
                printed = true;
                std::fprintf(stderr, "\r%s: simulated %s of %s   ", sc.file.string().c_str(), formatDuration(now - Instant(0)).c_str(),
                             formatDuration(sc.end() - Instant(0)).c_str());
            };
        }
        const RunReport report = runScenario(sc, eo);
        if (printed) std::fprintf(stderr, "\r%80s\r", "");
        allPassed = allPassed && report.passed;
        if (!options.quiet) std::cout << reportText(report, sc.file.string());
        else if (!report.passed) {
            // Quiet: the failures only (the lines that name the file).
            std::istringstream lines(reportText(report, sc.file.string()));
            std::string line;
            while (std::getline(lines, line)) {
                if (line.rfind(sc.file.string() + ": check", 0) == 0) std::cout << line << "\n";
            }
        }
        const std::string prefix = many ? sc.name + "." : "";
        if (!writeOutputs(report, prefixed(options.report, prefix), prefixed(options.timeline, prefix))) return 2;
    }
    return allPassed ? 0 : 1;
}

int exploreCommand(const ExploreOptions& options) {
    auto loaded = loadScenarioFile(options.file);
    if (!loaded) {
        for (const auto& d : loaded.error()) std::cerr << formatDiagnostic(d) << "\n";
        return 2;
    }
    const bool tty = isatty(2) != 0;
    int failures = 0;
    for (std::uint64_t k = 0; k < options.seeds; ++k) {
        const std::uint64_t seed = options.fromSeed + k;
        const ExploreResult r = exploreSeed(loaded.value(), seed, true, true, options.timeline.has_value());
        if (tty) std::fprintf(stderr, "\rexplore %s: seed %llu (%llu of %llu), %d failing", options.file.c_str(),
                              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(k + 1),
                              static_cast<unsigned long long>(options.seeds), failures);
        if (r.ok) continue;
        ++failures;
        if (tty) std::fprintf(stderr, "\n");
        std::cout << options.file << ": seed " << seed << ": " << r.violation << "\n"
                  << "  reproduce: kontena-sim explore " << options.file << " --seeds 1 --from-seed " << seed << "\n";
        if (r.report && (options.report || options.timeline)) {
            const std::string prefix = options.seeds == 1 ? "" : "seed-" + std::to_string(seed) + ".";
            const auto reportPath = prefixed(options.report, prefix), timelinePath = prefixed(options.timeline, prefix);
            if (!writeOutputs(*r.report, reportPath, timelinePath)) return 2;
            if (reportPath) std::cout << "  report: " << *reportPath << "\n";
            if (timelinePath) std::cout << "  timeline: " << *timelinePath << "\n";
        }
        if (options.seeds == 1) {
            std::cout << "  timeline up to the violation:\n";
            for (const auto& t : r.timeline) {
                if (t.at > r.at) break;
                std::cout << "    " << formatDuration(t.at - Instant(0)) << "  " << t.kind << "  " << t.subject << "  " << t.detail << "\n";
            }
        }
    }
    if (tty) std::fprintf(stderr, "\n");
    std::cout << options.file << ": explored " << options.seeds << " seeds, " << failures << " with violations\n";
    return failures ? 1 : 0;
}

int whatIfCommand(const WhatIfOptions& options) {
    std::string state;
    if (options.gridFile == "-") {
        std::ostringstream in;
        in << std::cin.rdbuf();
        state = in.str();
    } else {
        std::ifstream f(options.gridFile, std::ios::binary);
        if (!f) {
            std::cerr << "kontena-sim what-if: cannot read " << options.gridFile << "\n";
            return 2;
        }
        std::ostringstream in;
        in << f.rdbuf();
        state = in.str();
    }
    WhatIf w;
    w.offline = options.offline;
    w.unresponsive = options.unresponsive;
    w.drain = options.drain;
    if (options.outageMs) w.outage = Duration::millis(*options.outageMs);
    if (options.settleMs) w.settle = Duration::millis(*options.settleMs);
    if (options.observeMs) w.observe = Duration::millis(*options.observeMs);
    auto scenario = whatIfScenario(state, w);
    if (!scenario) {
        std::cerr << "kontena-sim what-if: " << (options.gridFile == "-" ? "<stdin>" : options.gridFile) << ": "
                  << scenario.error().message << "\n";
        return 2;
    }
    // The scenario is a file: the report names it, and the operator can
    // edit it and run it again with `kontena-sim run`.
    std::string path;
    std::error_code ec;
    if (options.write) {
        path = *options.write;
    } else {
        path = (std::filesystem::temp_directory_path(ec) / ("kontena-what-if-" + std::to_string(::getpid()) + ".yaml")).string();
    }
    if (!writeFile(path, scenario.value())) {
        std::cerr << "kontena-sim what-if: cannot write " << path << "\n";
        return 2;
    }
    RunOptions run = options.run;
    run.files = {path};
    const int status = runCommand(run);
    if (!options.write) std::filesystem::remove(path, ec);
    else if (!run.quiet) std::cout << "scenario written to " << path << " (edit it and re-run with kontena-sim run)\n";
    return status;
}

}  // namespace kontena::sim
