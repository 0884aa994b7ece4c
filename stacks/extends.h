#pragma once
// Internal: `extends` (reference 6.4) — a service built on another one from
// the same file, another file, or a registry stack. The base's keys are
// taken, the extending service's keys replace them, except `environment`
// (merged by variable name, the extending side wins) and `secrets` (merged
// by `name`). Chains are followed (a base may extend another); loops and
// chains deeper than 10 are errors.

#include <functional>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "stacks/diagnostics.h"

namespace kontena::stacks::detail {

// Services of another document, already rendered: `file` names it, and
// `services` maps service names to definitions.
struct ServiceSource {
    std::string file;
    YAML::Node services;
};

struct ExtendsContext {
    ServiceSource self;
    // Rendered services of a file named relative to `fromFile`.
    std::function<std::optional<ServiceSource>(const std::string& fromFile, const std::string& file)> loadFile;
    // Rendered services of a registry stack.
    std::function<std::optional<ServiceSource>(const std::string& ref)> loadStack;
};

// The definition of `name` with its extends chain merged in (without the
// `extends` key). On errors the definition is returned as far as merged.
YAML::Node resolveExtends(const std::string& name, const YAML::Node& def, const ExtendsContext& ctx, Diagnostics& diags);

// The services map of a document: `services:` if present (v2/v3 files),
// else the document itself (compose v1).
YAML::Node servicesOf(const YAML::Node& root);

}  // namespace kontena::stacks::detail
