#include "simulator/scenario_args.h"

#include <algorithm>
#include <cstdlib>

#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

// The arguments of one command, split into options and positionals.
struct ArgList {
    std::vector<std::pair<std::string, std::optional<std::string>>> options;  // name (without --), value
    std::vector<std::string> positionals;
};

bool takesValue(const std::string& name) {
    return name == "seed" || name == "report" || name == "timeline" || name == "seeds" || name == "from-seed" ||
           name == "offline" || name == "unresponsive" || name == "drain" || name == "for" || name == "settle" ||
           name == "observe" || name == "write" || name == "time-scale";
}

Result<ArgList> split(const std::vector<std::string>& args) {
    ArgList out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            out.positionals.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
        } else if (takesValue(name)) {
            if (i + 1 >= args.size()) return Error{"--" + name + " needs a value"};
            value = args[++i];
        }
        out.options.emplace_back(name, value);
    }
    return out;
}

Result<std::uint64_t> number(const std::string& option, const std::optional<std::string>& value, std::int64_t min) {
    auto v = parseInteger(value.value_or(""), min, INT64_MAX);
    if (!v) return Error{"--" + option + ": " + v.error().message};
    return static_cast<std::uint64_t>(v.value());
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::optional<Error> flagOnly(const std::string& name, const std::optional<std::string>& value) {
    if (value) return Error{"--" + name + " takes no value"};
    return std::nullopt;
}

Result<Command> parseCheck(const ArgList& a) {
    CheckOptions o;
    for (const auto& [name, value] : a.options) {
        if (name != "quiet") return Error{"check: unknown option --" + name};
        if (auto e = flagOnly(name, value)) return *e;
        o.quiet = true;
    }
    if (a.positionals.empty()) return Error{"check: give at least one scenario file"};
    o.files = a.positionals;
    return Command(o);
}

// The options `run` shares with `what-if`; false when `name` is not one.
Result<bool> runOption(RunOptions& o, const std::string& name, const std::optional<std::string>& value) {
    if (name == "seed") {
        auto n = number(name, value, 0);
        if (!n) return n.error();
        o.seed = n.value();
    } else if (name == "report") {
        o.report = value;
    } else if (name == "timeline") {
        if (!endsWith(*value, ".svg") && !endsWith(*value, ".png")) {
            return Error{"--timeline: the file must end in .svg or .png"};
        }
        o.timeline = value;
    } else if (name == "quiet") {
        if (auto e = flagOnly(name, value)) return *e;
        o.quiet = true;
    } else {
        return false;
    }
    return true;
}

// --time-scale F|real (run only).
std::optional<Error> timeScaleOption(RunOptions& o, const std::string& value) {
    if (value == "real") {
        o.timeScale = 0.0;
        return std::nullopt;
    }
    char* end = nullptr;
    const double f = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(f >= 0.001 && f <= 1000.0)) {
        return Error{"--time-scale: expected a number in [0.001, 1000] or \"real\""};
    }
    o.timeScale = f;
    return std::nullopt;
}

Result<Command> parseRun(const ArgList& a) {
    RunOptions o;
    for (const auto& [name, value] : a.options) {
        if (name == "time-scale") {
            if (auto e = timeScaleOption(o, *value)) return *e;
            continue;
        }
        auto known = runOption(o, name, value);
        if (!known) return known.error();
        if (!known.value()) return Error{"run: unknown option --" + name};
    }
    if (a.positionals.empty()) return Error{"run: give at least one scenario file"};
    o.files = a.positionals;
    return Command(o);
}

Result<Command> parseExplore(const ArgList& a) {
    ExploreOptions o;
    bool haveSeeds = false;
    for (const auto& [name, value] : a.options) {
        if (name == "seeds") {
            auto n = number(name, value, 1);
            if (!n) return n.error();
            o.seeds = n.value();
            haveSeeds = true;
        } else if (name == "from-seed") {
            auto n = number(name, value, 0);
            if (!n) return n.error();
            o.fromSeed = n.value();
        } else if (name == "report" || name == "timeline") {
            RunOptions files;   // the same checks as run's
            auto known = runOption(files, name, value);
            if (!known) return known.error();
            o.report = files.report ? files.report : o.report;
            o.timeline = files.timeline ? files.timeline : o.timeline;
        } else {
            return Error{"explore: unknown option --" + name};
        }
    }
    if (a.positionals.size() != 1) return Error{"explore: give exactly one scenario file"};
    if (!haveSeeds) return Error{"explore: --seeds N is required"};
    if (o.fromSeed > UINT64_MAX - o.seeds) return Error{"explore: --from-seed plus --seeds is too large"};
    o.file = a.positionals.front();
    return Command(o);
}

std::vector<std::string> nodeList(const std::string& value) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : value + ",") {
        if (c != ',') {
            cur += c;
            continue;
        }
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
    }
    return out;
}

Result<Command> parseWhatIf(const ArgList& a) {
    WhatIfOptions o;
    for (const auto& [name, value] : a.options) {
        auto shared = runOption(o.run, name, value);
        if (!shared) return shared.error();
        if (shared.value()) continue;
        if (name == "offline" || name == "unresponsive" || name == "drain") {
            auto nodes = nodeList(*value);
            for (const auto& n : nodes) {
                if (!isNodeName(n)) return Error{"--" + name + ": '" + n + "' is not a node name"};
            }
            auto& list = name == "offline" ? o.offline : name == "unresponsive" ? o.unresponsive : o.drain;
            list.insert(list.end(), nodes.begin(), nodes.end());
        } else if (name == "for" || name == "settle" || name == "observe") {
            auto d = parseDuration(*value);
            if (!d) return Error{"--" + name + ": " + d.error().message};
            (name == "for" ? o.outageMs : name == "settle" ? o.settleMs : o.observeMs) = d.value().ms;
        } else if (name == "write") {
            o.write = value;
        } else {
            return Error{"what-if: unknown option --" + name};
        }
    }
    if (a.positionals.size() != 1) return Error{"what-if: give exactly one grid state file (JSON), or - for standard input"};
    if (o.offline.empty() && o.unresponsive.empty() && o.drain.empty()) {
        return Error{"what-if: say what happens: --offline, --unresponsive or --drain with node names"};
    }
    o.gridFile = a.positionals.front();
    return Command(o);
}

}  // namespace

Result<Command> parseCommandLine(const std::vector<std::string>& args) {
    if (args.empty()) return Error{"no command given"};
    const std::string& command = args.front();
    if (command == "help" || command == "--help" || command == "-h") return Command(HelpRequest{});
    auto rest = split(std::vector<std::string>(args.begin() + 1, args.end()));
    if (!rest) return rest.error();
    const bool help = std::any_of(rest.value().options.begin(), rest.value().options.end(),
                                  [](const auto& o) { return o.first == "help"; });
    if (help) return Command(HelpRequest{});
    if (command == "check") return parseCheck(rest.value());
    if (command == "run") return parseRun(rest.value());
    if (command == "explore") return parseExplore(rest.value());
    if (command == "what-if") return parseWhatIf(rest.value());
    return Error{"unknown command '" + command + "'"};
}

std::string usageText() {
    return "usage:\n"
           "  kontena-sim run FILE... [--seed N] [--report FILE.json] [--timeline FILE.svg|FILE.png] [--time-scale F|real] [--quiet]\n"
           "  kontena-sim check FILE...     validate only\n"
           "  kontena-sim explore FILE --seeds N [--from-seed K] [--report FILE.json] [--timeline FILE.svg|FILE.png]\n"
           "  kontena-sim what-if GRID.json|- --offline N[,N] [--unresponsive N[,N]] [--drain N[,N]]\n"
           "              [--for DURATION] [--settle DURATION] [--observe DURATION] [--write FILE.yaml]\n"
           "              [--seed N] [--report FILE.json] [--timeline FILE.svg|FILE.png] [--quiet]\n"
           "      rehearse a failure on a live grid: GRID.json holds {grid, nodes, stacks} as the master's API gives them\n"
           "exit status: 0 every check holds (check: every file is valid), 1 a check failed,\n"
           "             2 a file is not a valid scenario or the command line is wrong\n";
}

}  // namespace kontena::sim
