// Node declarations (`nodes:` entries and node_add values), stack
// sources (`file:` or `inline:`), shared by the top level and the events,
// and a stack's `placement:`.
#include <algorithm>
#include <system_error>

#include "simulator/scenario_parse.h"
#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

// The keys every node and group may have, besides name / count+prefix.
void readNodeProperties(Reader& r, const Fields& f, ScenarioNode& node) {
    if (const Field* labels = f.find("labels")) {
        if (auto list = r.strings(labels->value, "labels")) {
            for (const auto& l : *list) {
                if (!isLabel(l)) r.error(labels->value, "invalid label " + quote(l) + ": write key or key=value");
            }
            node.labels = *list;
        }
    }
    if (const Field* cpus = f.find("cpus")) {
        if (auto v = r.integer(cpus->value, "cpus", 1, 1024)) node.cpus = static_cast<int>(*v);
    }
    if (const Field* mem = f.find("memory")) {
        if (auto v = r.memory(mem->value, "memory")) {
            if (*v == 0) r.error(mem->value, "memory must be more than 0B");
            node.memory = *v;
        }
    }
    if (const Field* drivers = f.find("volume_drivers")) {
        if (auto list = r.strings(drivers->value, "volume_drivers")) node.volumeDrivers = *list;
    }
    if (const Field* at = f.find("connect_at")) {
        if (auto v = r.instant(at->value, "connect_at")) node.connectAt = *v;
    }
}

std::optional<std::string> readName(Reader& r, const Field& field) {
    auto name = r.nodeName(field.value, "node name");
    if (name && *name == kMaster) {
        r.error(field.value, "'master' is reserved: partitions use it to name the master");
        return std::nullopt;
    }
    return name;
}

std::vector<ScenarioNode> expandGroup(Reader& r, const Fields& f, const ScenarioNode& proto, NodeBudget& budget) {
    const Field* count = r.require(f, "count", "node group");
    const Field* prefix = r.require(f, "prefix", "node group");
    if (!count || !prefix) return {};
    const auto n = r.integer(count->value, "count", 1, static_cast<std::int64_t>(kMaxNodes));
    const auto p = r.string(prefix->value, "prefix");
    if (!n || !p) return {};
    if (!isNodeName(*p + "1")) {
        r.error(prefix->value, "invalid prefix " + quote(*p) + ": node names use only a-z, 0-9 and '-'");
        return {};
    }
    if (static_cast<std::size_t>(*n) > budget.left) {
        r.error(count->value, "too many nodes: a scenario holds at most " + std::to_string(kMaxNodes));
        return {};
    }
    budget.left -= static_cast<std::size_t>(*n);
    std::vector<ScenarioNode> out;
    out.reserve(static_cast<std::size_t>(*n));
    for (std::int64_t i = 1; i <= *n; ++i) {
        ScenarioNode node = proto;
        node.name = *p + std::to_string(i);
        out.push_back(std::move(node));
    }
    return out;
}

}  // namespace

std::optional<std::vector<ScenarioNode>> readNodeEntry(Reader& r, const YAML::Node& n, std::string_view what,
                                                       std::optional<Instant> eventAt, NodeBudget& budget) {
    std::vector<std::string_view> allowed{"name", "count", "prefix", "labels", "cpus", "memory", "volume_drivers"};
    if (!eventAt) allowed.push_back("connect_at");   // node_add: the node connects at the event's time
    const auto f = r.fields(n, what, allowed);
    if (!f) return std::nullopt;
    const std::size_t errorsBefore = r.errorCount();
    ScenarioNode proto;
    proto.pos = f->pos;
    readNodeProperties(r, *f, proto);
    if (eventAt) proto.connectAt = *eventAt;
    std::vector<ScenarioNode> out;
    const Field* name = f->find("name");
    if (name && (f->has("count") || f->has("prefix"))) {
        r.error(name->keyNode, "a node has either 'name', or 'count' and 'prefix' (a group), not both");
    } else if (name) {
        if (auto v = readName(r, *name)) {
            if (budget.left == 0) {
                r.error(name->value, "too many nodes: a scenario holds at most " + std::to_string(kMaxNodes));
            } else {
                --budget.left;
                proto.name = *v;
                proto.pos = Reader::pos(name->value, f->pos);
                out.push_back(proto);
            }
        }
    } else if (f->has("count") || f->has("prefix")) {
        out = expandGroup(r, *f, proto, budget);
    } else {
        r.error(f->pos, std::string(what) + " needs 'name' (or 'count' and 'prefix' for a group)");
    }
    if (r.errorCount() != errorsBefore) return std::nullopt;
    return out;
}

std::optional<StackSourceFields> readStackSource(Reader& r, const Fields& f, std::string_view what,
                                                 const std::filesystem::path& baseDir) {
    const Field* file = f.find("file");
    const Field* inlined = f.find("inline");
    if ((file == nullptr) == (inlined == nullptr)) {
        r.error(f.pos, std::string(what) + " needs exactly one of 'file' or 'inline'");
        return std::nullopt;
    }
    StackSourceFields out;
    if (const Field* vars = f.find("variables")) {
        auto v = r.stringMap(vars->value, "variables");
        if (!v) return std::nullopt;
        out.variables = *v;
    }
    if (file) {
        const auto path = r.string(file->value, "file");
        if (!path) return std::nullopt;
        if (path->empty()) {
            r.error(file->value, "file: the stack file's path is empty");
            return std::nullopt;
        }
        const std::filesystem::path resolved = (baseDir / *path).lexically_normal();
        std::error_code ec;
        if (!std::filesystem::is_regular_file(resolved, ec)) {
            r.error(file->value, "stack file not found: " + resolved.string());
            return std::nullopt;
        }
        out.source = StackFile{resolved};
        return out;
    }
    if (!inlined->value.IsMap()) {
        r.error(inlined->value, "inline must be the stack file's content as a map (stack, version, services, ...)");
        return std::nullopt;
    }
    const auto text = emitBounded(inlined->value);
    if (!text) {
        r.error(inlined->value, "inline stack is too large or refers to itself through an alias");
        return std::nullopt;
    }
    out.source = StackInline{*text, Reader::pos(inlined->value, f.pos)};
    return out;
}

std::vector<PlacedInstance> readPlacement(Reader& r, const YAML::Node& n) {
    std::vector<PlacedInstance> out;
    if (n.IsNull()) return out;
    if (!n.IsMap()) {
        r.error(n, "placement must be a map of instances to nodes, e.g. {web/app-1: node-2}");
        return out;
    }
    for (const auto& kv : n) {
        const auto instance = r.instance(kv.first, "placement");
        const auto node = r.nodeName(kv.second, "placement");
        if (!instance || !node) continue;
        const auto same = std::find_if(out.begin(), out.end(), [&](const PlacedInstance& p) { return p.instance == *instance; });
        if (same != out.end()) {
            r.error(kv.first, "placement: " + quote(instance->name()) + " is placed twice (first at line " + std::to_string(same->pos.line) + ")");
            continue;
        }
        out.push_back(PlacedInstance{*instance, *node, Reader::pos(kv.first)});
    }
    std::sort(out.begin(), out.end(), [](const PlacedInstance& a, const PlacedInstance& b) {
        const std::string ka = a.instance.service.key(), kb = b.instance.service.key();
        return ka != kb ? ka < kb : a.instance.number < b.instance.number;
    });
    return out;
}

}  // namespace kontena::sim
