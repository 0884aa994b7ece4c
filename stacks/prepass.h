#pragma once
// Internal: the minimal first pass over a stack file (6.1 step 2). It reads
// `stack`, `variables` and `depends` before any template is rendered, from
// the top-level blocks alone, so template syntax elsewhere in the file
// cannot break it.

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "stacks/diagnostics.h"
#include "stacks/interpolation.h"

namespace kontena::stacks::detail {

// The text with every line outside the named top-level blocks blanked, so
// line numbers stay those of the original.
std::string keepTopLevelBlocks(const std::string& text, const std::vector<std::string>& keys);

// "user/name:1.0" -> "name"; "name" -> "name".
std::string stackNamePart(const std::string& stackRef);

struct Prepass {
    bool ok = false;
    std::string stackRef;      // `stack:` as written ("" if absent)
    YAML::Node variables;      // after ${STACK}/${GRID}/${PLATFORM} substitution
    YAML::Node depends;
};

// Reads `stack` first (to know STACK), then the substituted blocks.
// `nameOverride` (from -n or the parent) wins over the `stack:` name.
Prepass runPrepass(const std::string& text, const std::string& file, const std::string& nameOverride,
                   const std::string& grid, const std::string& platform, Diagnostics& diags);

}  // namespace kontena::stacks::detail
