#pragma once
// Variable values given by the user: `--values-from FILE` (a YAML mapping)
// and `-v KEY=VALUE`. Keys of child stacks are "dep.var"; a values file may
// also nest them (`dep: {var: value}` becomes "dep.var" when `dep` is a
// mapping).

#include <map>
#include <string>

#include "scheduler/result.h"
#include "stacks/value.h"

namespace kontena::stacks {

// Parse a values file; an error names the problem (and the line for YAML
// syntax errors).
Result<std::map<std::string, Value>> parseValuesFile(const std::string& text);

// Parse "KEY=VALUE" (the value may be empty, and may contain '=').
Result<std::pair<std::string, Value>> parseValueAssignment(const std::string& text);

}  // namespace kontena::stacks
