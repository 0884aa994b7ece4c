// The top of the scenario loader: the file, its top-level keys, grid,
// settings, nodes and stacks. Events, checks and the reference checks live
// in scenario_events.cpp, scenario_checks.cpp and scenario_validate.cpp.
#include "simulator/scenario.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "simulator/scenario_parse.h"
#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

const std::vector<std::string_view> kTopKeys{"scenario", "description", "seed",  "until",  "grid",
                                              "settings", "nodes",      "stacks", "events", "expect", "real"};

// ------------------------------------------------------------- grid ----

bool isGridName(const std::string& s) {
    if (s.size() < 3) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

void readGrid(Reader& r, const YAML::Node& n, Grid& grid) {
    const auto f = r.fields(n, "grid", {"name", "initial_size", "max_nodes", "default_affinity"});
    if (!f) return;
    if (const Field* name = f->find("name")) {
        if (auto s = r.string(name->value, "grid name")) {
            if (isGridName(*s)) grid.name = *s;
            else r.error(name->value, "invalid grid name " + quote(*s) + ": at least 3 of A-Z a-z 0-9 _ -");
        }
    }
    if (const Field* size = f->find("initial_size")) {
        if (auto v = r.integer(size->value, "initial_size", 1, 7)) grid.initialSize = static_cast<int>(*v);
    }
    if (const Field* max = f->find("max_nodes")) {
        if (auto v = r.integer(max->value, "max_nodes", 1, Grid::kMaxNodesLimit)) grid.maxNodes = static_cast<int>(*v);
    }
    if (const Field* aff = f->find("default_affinity")) {
        if (auto rules = r.strings(aff->value, "default_affinity")) {
            for (const auto& rule : *rules) {
                if (rule.find("==") == std::string::npos && rule.find("!=") == std::string::npos) {
                    r.error(aff->value, "invalid affinity rule " + quote(rule) + ": it needs == or !=");
                }
            }
            grid.defaultAffinity = *rules;
        }
    }
}

// --------------------------------------------------------- settings ----

struct DurationSetting {
    std::string_view key;
    Duration GridSettings::*field;
    bool positive;   // periodic timers: zero would never let time advance
};

const std::vector<DurationSetting> kDurationSettings{
    {"ping_interval", &GridSettings::pingInterval, true},
    {"ping_timeout", &GridSettings::pingTimeout, true},
    {"online_grace", &GridSettings::onlineGrace, false},
    {"container_start", &GridSettings::containerStart, false},
    // Extensions (documented in simulator/README.md).
    {"scheduler_interval", &GridSettings::schedulerInterval, true},
    {"stale_sweep_interval", &GridSettings::staleSweepInterval, true},
    {"stale_threshold", &GridSettings::staleThreshold, true},
    {"agent_poll_interval", &GridSettings::agentPollInterval, true},
    {"reconnect_backoff_max", &GridSettings::reconnectBackoffMax, true},
    {"crash_backoff_cap", &GridSettings::crashBackoffCap, false},
    {"crash_reset_after", &GridSettings::crashResetAfter, false},
    {"mass_offline_eviction_interval", &GridSettings::massOfflineEvictionInterval, true},
};

void readOfflineGrace(Reader& r, const YAML::Node& n, GridSettings& s) {
    const auto f = r.fields(n, "offline_grace", {"daemon", "ha", "random"});
    if (!f) return;
    const std::pair<std::string_view, Duration GridSettings::*> keys[] = {
        {"daemon", &GridSettings::offlineGraceDaemon},
        {"ha", &GridSettings::offlineGraceHa},
        {"random", &GridSettings::offlineGraceRandom}};
    for (const auto& [key, field] : keys) {
        if (const Field* v = f->find(key)) {
            if (auto d = r.duration(v->value, "offline_grace." + std::string(key))) s.*field = *d;
        }
    }
}

void readFraction(Reader& r, const YAML::Node& n, double& out) {
    const auto text = r.string(n, "mass_offline_fraction");
    if (!text) return;
    double v = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || end != text->data() + text->size() || !(v > 0.0 && v <= 1.0)) {
        r.error(n, "mass_offline_fraction: expected a number in (0, 1], e.g. 0.55");
        return;
    }
    out = v;
}

// `real: {time_scale: 0.1, tolerance: 3s, container_start: 1s}`.
void readReal(Reader& r, const YAML::Node& n, std::optional<RealRunOptions>& out) {
    const auto f = r.fields(n, "real", {"time_scale", "tolerance", "container_start"});
    if (!f) return;
    RealRunOptions o;
    if (const Field* t = f->find("time_scale")) {
        const auto text = r.string(t->value, "time_scale");
        double v = 0;
        const auto [end, ec] = text ? std::from_chars(text->data(), text->data() + text->size(), v) : std::from_chars_result{};
        if (!text || ec != std::errc() || end != text->data() + text->size() || !(v >= 0.001 && v <= 1.0)) {
            r.error(t->value, "time_scale: expected a number in [0.001, 1], e.g. 0.1");
            return;
        }
        o.timeScale = v;
    }
    if (const Field* t = f->find("tolerance")) {
        const auto d = r.duration(t->value, "tolerance");
        if (!d) return;
        o.tolerance = *d;
    }
    if (const Field* t = f->find("container_start")) {
        const auto d = r.duration(t->value, "container_start");
        if (!d) return;
        o.containerStart = *d;
    }
    out = o;
}

void readSettings(Reader& r, const YAML::Node& n, GridSettings& s) {
    std::vector<std::string_view> allowed{"offline_grace", "mass_offline_fraction"};
    for (const auto& d : kDurationSettings) allowed.push_back(d.key);
    const auto f = r.fields(n, "settings", allowed);
    if (!f) return;
    for (const auto& d : kDurationSettings) {
        const Field* v = f->find(d.key);
        if (!v) continue;
        const auto value = r.duration(v->value, d.key);
        if (!value) continue;
        if (d.positive && value->ms == 0) {
            r.error(v->value, std::string(d.key) + " must be longer than 0s");
            continue;
        }
        s.*(d.field) = *value;
    }
    if (const Field* g = f->find("offline_grace")) readOfflineGrace(r, g->value, s);
    if (const Field* m = f->find("mass_offline_fraction")) readFraction(r, m->value, s.massOfflineFraction);
}

// ------------------------------------------------------------- nodes ----

void readNodes(Reader& r, const YAML::Node& n, std::vector<ScenarioNode>& out, NodeBudget& budget) {
    if (!n.IsSequence() || n.size() == 0) {
        r.error(n, "nodes must be a list of at least one node");
        return;
    }
    for (const auto& entry : n) {
        if (auto nodes = readNodeEntry(r, entry, "node", std::nullopt, budget)) {
            out.insert(out.end(), nodes->begin(), nodes->end());
        }
    }
}

// ------------------------------------------------------------ stacks ----

void readStacks(Reader& r, const YAML::Node& n, const std::filesystem::path& baseDir,
                std::map<std::string, ScenarioStack>& out) {
    if (n.IsNull()) return;
    if (!n.IsMap()) {
        r.error(n, "stacks must be a map of stack names to {file or inline, variables}");
        return;
    }
    for (const auto& kv : n) {
        if (kv.first.IsNull()) {   // yaml-cpp reads a plain `null` key as a null node
            r.error(Reader::pos(kv.first), "invalid stack name 'null': 'null' is reserved for the default stack");
            continue;
        }
        const auto name = r.string(kv.first, "stack name");
        if (!name) continue;
        if (!isStackName(*name)) {
            r.error(kv.first, "invalid stack name " + quote(*name) +
                                  ": use a-z, 0-9, '-' and '_' (not starting with '-'; 'null' is reserved)");
            continue;
        }
        if (out.count(*name)) {
            r.error(kv.first, "duplicate stack " + quote(*name));
            continue;
        }
        const std::string what = "stack " + quote(*name);
        const auto f = r.fields(kv.second, what, {"file", "inline", "variables", "placement"});
        if (!f) continue;
        std::vector<PlacedInstance> placement;
        if (const Field* p = f->find("placement")) placement = readPlacement(r, p->value);
        if (auto src = readStackSource(r, *f, what, baseDir)) {
            out.emplace(*name, ScenarioStack{*name, src->source, src->variables, Reader::pos(kv.first), std::move(placement)});
        }
    }
}

// -------------------------------------------------------- top level ----

struct TopLevel {
    const Field* events = nullptr;
    const Field* expect = nullptr;
};

TopLevel readTopLevel(Reader& r, const Fields& f, Scenario& s, NodeBudget& budget) {
    const std::filesystem::path baseDir = s.file.parent_path();
    if (const Field* name = r.require(f, "scenario", "the scenario")) {
        if (auto v = r.string(name->value, "scenario")) {
            if (v->empty()) r.error(name->value, "scenario needs a name");
            s.name = *v;
        }
    }
    if (const Field* d = f.find("description")) {
        if (auto v = r.string(d->value, "description")) s.description = *v;
    }
    if (const Field* seed = f.find("seed")) {
        if (auto v = r.integer(seed->value, "seed", 0, INT64_MAX)) s.seed = static_cast<std::uint64_t>(*v);
    }
    if (const Field* until = f.find("until")) s.until = r.instant(until->value, "until");
    if (const Field* grid = f.find("grid")) readGrid(r, grid->value, s.grid);
    if (const Field* settings = f.find("settings")) readSettings(r, settings->value, s.grid.settings);
    if (const Field* nodes = r.require(f, "nodes", "the scenario")) readNodes(r, nodes->value, s.nodes, budget);
    if (const Field* stacks = f.find("stacks")) readStacks(r, stacks->value, baseDir, s.stacks);
    if (const Field* real = f.find("real")) readReal(r, real->value, s.real);
    return {f.find("events"), f.find("expect")};
}

// The line of a second document's `---` marker, or 0. yaml-cpp 0.7's
// LoadAll loops forever on some malformed input (e.g. ","), so documents are
// counted here and only the first one is parsed, with YAML::Load.
int secondDocumentLine(const std::string& text) {
    const auto isMarker = [](std::string_view l, std::string_view m) {
        return l.substr(0, 3) == m && (l.size() == 3 || l[3] == ' ' || l[3] == '\r');
    };
    bool content = false;
    bool ended = false;   // after a `...` document end marker
    int line = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view l(text.data() + start, end - start);
        ++line;
        const bool marker = isMarker(l, "---") || isMarker(l, "...");
        const auto first = l.find_first_not_of(" \t\r");
        const bool data = !marker && first != std::string_view::npos && l[first] != '#' && l[0] != '%';
        if ((isMarker(l, "---") && content) || (data && ended)) return line;
        content = content || data;
        ended = ended || (isMarker(l, "...") && content);
        start = end + 1;
    }
    return 0;
}

// Parses the document; yaml-cpp reports syntax errors by exception.
std::optional<YAML::Node> parseDocument(Reader& r, const std::string& text) {
    if (const int line = secondDocumentLine(text)) {
        r.error({line, 1}, "a scenario file holds one YAML document");
        return std::nullopt;
    }
    try {
        YAML::Node doc = YAML::Load(text);
        if (doc.IsNull()) {
            r.error({1, 1}, "the file is empty: a scenario needs at least 'scenario' and 'nodes'");
            return std::nullopt;
        }
        return doc;
    } catch (const YAML::Exception& e) {
        const SourcePos at = e.mark.is_null() ? SourcePos{1, 1} : SourcePos{e.mark.line + 1, e.mark.column + 1};
        r.error(at, "YAML syntax error: " + e.msg);
    }
    return std::nullopt;
}

void loadInto(Reader& r, const std::string& text, Scenario& s) {
    const auto doc = parseDocument(r, text);
    if (!doc) return;
    const auto top = r.fields(*doc, "the scenario", kTopKeys);
    if (!top) return;
    NodeBudget budget;
    const TopLevel rest = readTopLevel(r, *top, s, budget);
    const std::filesystem::path baseDir = s.file.parent_path();
    std::vector<ParsedEvent> events;
    std::vector<ParsedCheck> checks;
    if (rest.events) events = readEvents(r, rest.events->value, baseDir, budget);
    if (rest.expect) checks = readChecks(r, rest.expect->value);
    validateScenario(r, s, events, checks);
}

}  // namespace

std::string formatDiagnostic(const Diagnostic& d) {
    return d.file + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message;
}

Instant Scenario::end() const {
    if (until) return *until;
    Instant last;
    for (const auto& e : events) last = std::max(last, e.at);
    for (const auto& c : expect) last = std::max(last, c.when.to);
    return last + Duration::minutes(5);
}

Result<Scenario, Diagnostics> loadScenarioText(const std::string& text, const std::filesystem::path& file) {
    Diagnostics diagnostics;
    Reader reader(file.string(), diagnostics);
    Scenario s;
    s.file = file;
    try {
        loadInto(reader, text, s);
    } catch (const std::exception& e) {
        // Not expected: every yaml-cpp conversion is guarded. Report, never crash.
        reader.error({1, 1}, std::string("internal error while reading the scenario: ") + e.what());
    }
    if (!diagnostics.empty()) {
        std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return std::pair(a.pos.line, a.pos.column) < std::pair(b.pos.line, b.pos.column);
        });
        return diagnostics;
    }
    return s;
}

Result<Scenario, Diagnostics> loadScenarioFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Diagnostics{Diagnostic{path.string(), {1, 1}, "cannot read the file"}};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return loadScenarioText(text.str(), path);
}

std::string scenarioTitle(const Scenario& s) {
    return s.name + " (seed " + std::to_string(s.seed) + ")";
}

std::string formatScenarioSummary(const Scenario& s) {
    std::ostringstream out;
    out << "scenario: " << scenarioTitle(s) << "\n";
    if (!s.description.empty()) out << "description: " << s.description << "\n";
    out << "file: " << s.file.string() << "\n";
    out << "grid: " << s.grid.name << ", initial size " << s.grid.initialSize << " (quorum "
        << s.grid.quorumSize() << ")\n";
    out << "nodes: " << s.nodes.size() << ", stacks: " << s.stacks.size() << ", events: " << s.events.size()
        << ", checks: " << s.expect.size() << "\n";
    out << "until: " << formatDuration(Duration(s.end().ms)) << (s.until ? "" : " (default)") << "\n";
    return out.str();
}

}  // namespace kontena::sim
