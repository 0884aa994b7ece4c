#include "simulator/scenario_reader.h"

#include <algorithm>

#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

constexpr std::size_t kMaxEmittedNodes = 20'000;
constexpr int kMaxEmittedDepth = 64;

// YAML 1.1 reads a bare `on` as the boolean true; we take the key's text, so
// only its spellings need folding.
std::string normalizeKey(const std::string& key) {
    if (key == "On" || key == "ON") return "on";
    return key;
}

std::string joinAllowed(const std::vector<std::string_view>& allowed) {
    std::string out;
    for (auto k : allowed) {
        if (!out.empty()) out += ", ";
        out += k;
    }
    return out;
}

// Counts nodes reachable from `n`; false when beyond the bounds.
bool withinBounds(const YAML::Node& n, int depth, std::size_t& budget) {
    if (depth > kMaxEmittedDepth || budget == 0) return false;
    --budget;
    if (n.IsSequence()) {
        for (const auto& child : n) {
            if (!withinBounds(child, depth + 1, budget)) return false;
        }
    } else if (n.IsMap()) {
        for (const auto& kv : n) {
            if (!withinBounds(kv.first, depth + 1, budget) || !withinBounds(kv.second, depth + 1, budget)) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace

const Field* Fields::find(std::string_view key) const {
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const Field& f) { return f.key == key; });
    return it == entries.end() ? nullptr : &*it;
}

SourcePos Reader::pos(const YAML::Node& node, SourcePos fallback) {
    if (!node.IsDefined()) return fallback;
    const YAML::Mark m = node.Mark();
    if (m.is_null() || m.line < 0) return fallback;
    return {m.line + 1, m.column + 1};
}

void Reader::error(SourcePos at, std::string message) {
    out_.push_back(Diagnostic{file_, at, std::move(message)});
}

std::optional<Fields> Reader::fields(const YAML::Node& node, std::string_view what,
                                     const std::vector<std::string_view>& allowed) {
    if (!node.IsMap()) {
        error(node, std::string(what) + " must be a map (keys: " + joinAllowed(allowed) + ")");
        return std::nullopt;
    }
    Fields f;
    f.pos = pos(node);
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
            error(pos(kv.first, f.pos), "a key in " + std::string(what) + " must be a plain string");
            continue;
        }
        Field field{normalizeKey(kv.first.Scalar()), kv.first, kv.second};
        const SourcePos at = pos(kv.first, f.pos);
        if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end()) {
            error(at, "unknown key " + quote(field.key) + " in " + std::string(what) + " (expected one of: " +
                          joinAllowed(allowed) + ")");
            continue;
        }
        if (f.has(field.key)) {
            error(at, "duplicate key " + quote(field.key) + " in " + std::string(what));
            continue;
        }
        f.entries.push_back(std::move(field));
    }
    return f;
}

const Field* Reader::require(const Fields& f, std::string_view key, std::string_view what) {
    const Field* field = f.find(key);
    if (!field) error(f.pos, "missing key " + quote(key) + " in " + std::string(what));
    return field;
}

std::optional<std::string> Reader::string(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
        error(n, std::string(what) + " must be a string");
        return std::nullopt;
    }
    return n.Scalar();
}

std::optional<Duration> Reader::duration(const YAML::Node& n, std::string_view what) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    auto d = parseDuration(*text);
    if (!d) {
        error(n, std::string(what) + ": " + d.error().message);
        return std::nullopt;
    }
    return d.value();
}

std::optional<Instant> Reader::instant(const YAML::Node& n, std::string_view what) {
    const auto d = duration(n, what);
    if (!d) return std::nullopt;
    return Instant(d->ms);
}

std::optional<std::int64_t> Reader::integer(const YAML::Node& n, std::string_view what, std::int64_t min,
                                            std::int64_t max) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    auto v = parseInteger(*text, min, max);
    if (!v) {
        error(n, std::string(what) + ": " + v.error().message);
        return std::nullopt;
    }
    return v.value();
}

std::optional<bool> Reader::boolean(const YAML::Node& n, std::string_view what) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    auto v = parseBool(*text);
    if (!v) {
        error(n, std::string(what) + ": " + v.error().message);
        return std::nullopt;
    }
    return v.value();
}

std::optional<std::int64_t> Reader::memory(const YAML::Node& n, std::string_view what) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    auto v = parseMemory(*text);
    if (!v) {
        error(n, std::string(what) + ": " + v.error().message);
        return std::nullopt;
    }
    return v.value();
}

std::optional<std::vector<std::string>> Reader::strings(const YAML::Node& n, std::string_view what) {
    if (!n.IsSequence()) {
        error(n, std::string(what) + " must be a list of strings, e.g. [a, b]");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& item : n) {
        if (auto s = string(item, std::string("each item of ") + std::string(what))) {
            out.push_back(*s);
        } else {
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::map<std::string, std::string>> Reader::stringMap(const YAML::Node& n, std::string_view what) {
    if (!n.IsMap()) {
        error(n, std::string(what) + " must be a map of names to values");
        return std::nullopt;
    }
    std::map<std::string, std::string> out;
    bool ok = true;
    for (const auto& kv : n) {
        const auto key = string(kv.first, std::string("a key of ") + std::string(what));
        const auto value = string(kv.second, std::string(what) + " values");
        if (!key || !value) {
            ok = false;
        } else if (!out.emplace(*key, *value).second) {
            error(kv.first, "duplicate key " + quote(*key) + " in " + std::string(what));
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<ServiceRef> Reader::service(const YAML::Node& n, std::string_view what) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    auto ref = parseServiceRef(*text);
    if (!ref) {
        error(n, ref.error().message);
        return std::nullopt;
    }
    return ref.value();
}

std::optional<InstanceRef> Reader::instance(const YAML::Node& n, std::string_view what) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    auto ref = parseInstanceRef(*text);
    if (!ref) {
        error(n, ref.error().message);
        return std::nullopt;
    }
    return ref.value();
}

std::optional<std::string> Reader::nodeName(const YAML::Node& n, std::string_view what) {
    const auto text = string(n, what);
    if (!text) return std::nullopt;
    if (!isNodeName(*text)) {
        error(n, "invalid node name " + quote(*text) + ": use only a-z, 0-9 and '-'");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> emitBounded(const YAML::Node& node) {
    std::size_t budget = kMaxEmittedNodes;
    if (!withinBounds(node, 0, budget)) return std::nullopt;
    YAML::Emitter out;
    out << node;
    if (!out.good()) return std::nullopt;
    return std::string(out.c_str(), out.size());
}

}  // namespace kontena::sim
