#pragma once
// Reading YAML nodes into typed values while collecting diagnostics.
// Internal to the scenario loader (simulator/scenario*.cpp).
//
// Every reader reports what is wrong at the node's position and returns
// nullopt, so the loader can go on and report every problem of a file.
// Nothing here throws on malformed input: kinds are checked before any
// yaml-cpp conversion.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulator/scenario.h"

namespace kontena::sim {

// One `key: value` of a YAML map.
struct Field {
    std::string key;     // the key's text; YAML 1.1 spellings of `on` read as "on"
    YAML::Node keyNode;
    YAML::Node value;
};

// The entries of a map, in file order, keys unique.
struct Fields {
    std::vector<Field> entries;
    SourcePos pos;       // the map's position

    const Field* find(std::string_view key) const;
    bool has(std::string_view key) const { return find(key) != nullptr; }
};

class Reader {
public:
    Reader(std::string file, Diagnostics& out) : file_(std::move(file)), out_(out) {}

    const std::string& file() const { return file_; }
    std::size_t errorCount() const { return out_.size(); }

    // Position of `node`, 1-based; `fallback` when yaml-cpp has none.
    static SourcePos pos(const YAML::Node& node, SourcePos fallback = {});
    void error(SourcePos at, std::string message);
    void error(const YAML::Node& at, std::string message) { error(pos(at), std::move(message)); }

    // `node` must be a map whose keys are scalars, unique and in `allowed`
    // (each other key is reported as unknown). `what` names the map in
    // messages ("node", "event 3"). Returns nullopt if it is not a map.
    std::optional<Fields> fields(const YAML::Node& node, std::string_view what,
                                 const std::vector<std::string_view>& allowed);
    // Reports a missing required key at the map's position.
    const Field* require(const Fields& f, std::string_view key, std::string_view what);

    // Typed values; `what` names the value in messages ("seed", "at").
    std::optional<std::string> string(const YAML::Node& n, std::string_view what);
    std::optional<Duration> duration(const YAML::Node& n, std::string_view what);
    std::optional<Instant> instant(const YAML::Node& n, std::string_view what);
    std::optional<std::int64_t> integer(const YAML::Node& n, std::string_view what, std::int64_t min,
                                        std::int64_t max);
    std::optional<bool> boolean(const YAML::Node& n, std::string_view what);
    std::optional<std::int64_t> memory(const YAML::Node& n, std::string_view what);
    // A sequence of strings; a single scalar is not accepted.
    std::optional<std::vector<std::string>> strings(const YAML::Node& n, std::string_view what);
    // A map of scalar keys to scalar values (variables).
    std::optional<std::map<std::string, std::string>> stringMap(const YAML::Node& n, std::string_view what);
    std::optional<ServiceRef> service(const YAML::Node& n, std::string_view what);
    std::optional<InstanceRef> instance(const YAML::Node& n, std::string_view what);
    std::optional<std::string> nodeName(const YAML::Node& n, std::string_view what);

private:
    std::string file_;
    Diagnostics& out_;
};

// Re-emits `node` as YAML text, or nullopt if it is too large or recursive
// (aliases can make a node contain itself).
std::optional<std::string> emitBounded(const YAML::Node& node);

}  // namespace kontena::sim
