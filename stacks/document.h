#pragma once
// Internal: the rendered YAML document of a stack file -> Stack (top-level
// keys of 6.2, top-level volumes, services with extends and only_if/skip_if,
// and the checks across services of 6.6).

#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "stacks/diagnostics.h"
#include "stacks/extends.h"
#include "stacks/sources.h"
#include "stacks/stack.h"
#include "stacks/value.h"

namespace kontena::stacks::detail {

struct DocumentContext {
    std::string file;
    std::map<std::string, Value> conditionValues;   // variables and built-ins, for only_if/skip_if
    FileSource* files = nullptr;
    ExtendsContext extends;                         // `self` is filled in by readDocument
};

// Fills `out` (whose name, stack, grid are already set) from `root`.
void readDocument(const YAML::Node& root, DocumentContext ctx, Stack& out, Diagnostics& diags);

}  // namespace kontena::stacks::detail
