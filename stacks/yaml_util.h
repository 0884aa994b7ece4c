#pragma once
// Reading YAML the way Kontena's Ruby CLI did (Psych, YAML 1.1 scalars):
// typed scalars, positions for messages, conversion to Value. yaml-cpp stays
// behind this header and the few files that walk YAML trees.

#include <string>

#include <yaml-cpp/yaml.h>

#include "stacks/diagnostics.h"
#include "stacks/value.h"

namespace kontena::stacks {

enum class ScalarType { Null, Bool, Int, Float, String };

// The type of a scalar node: quoted scalars are strings; plain scalars are
// null (~, null, empty), booleans (true/false/yes/no/on/off in any case),
// integers, floats, or strings.
ScalarType scalarType(const YAML::Node& node);

// The node converted to a Value (maps keep their order; nested depth is
// bounded, deeper parts become nil).
Value toValue(const YAML::Node& node);

// A scalar as text ("" for null, "true" for booleans as written).
std::string scalarText(const YAML::Node& node);

// Position of a node in `file` (line/column from 1; 0 if unknown).
SourcePos positionOf(const YAML::Node& node, const std::string& file);

// For messages: a quoted scalar ("\"three\"") or "a mapping", "a list", "null".
std::string describe(const YAML::Node& node);

// Parse YAML text. On a syntax error returns false and fills `error` with a
// message and its position (line/column from 1).
bool parseYaml(const std::string& text, YAML::Node& out, std::string& error, int& line, int& column);

// Applies YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`) in place, as
// Psych does: keys already in the mapping win, then the merged mappings in
// order. yaml-cpp reads `<<` as an ordinary key. Returns false (and leaves
// the rest alone) when a `<<` value is not a mapping or list of mappings;
// `error` then says where.
bool applyMergeKeys(YAML::Node& root, std::string& error, int& line, int& column);

// Nesting depth of a node tree, cut at `limit`.
int depthOf(const YAML::Node& node, int limit);

// Path helpers: "services" + "app" -> "services.app".
inline std::string subPath(const std::string& base, const std::string& key) {
    return base.empty() ? key : base + "." + key;
}
inline std::string indexPath(const std::string& base, std::size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

}  // namespace kontena::stacks
