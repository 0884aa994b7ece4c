#pragma once
// The whole stack file pipeline (reference 6.1):
//
//   text --prepass--> stack name, variables, depends   (only ${STACK},
//        |                                              ${GRID}, ${PLATFORM})
//        +--resolve variables (values given, resolvers, defaults)
//        +--render the template (Liquid subset, strict)
//        +--interpolate $VAR / ${VAR}, then $$ -> $
//        +--parse YAML (anchors, aliases), validate, extends, env_file
//        +--services -> StackService (ServiceSpec for the core)
//        +--child stacks from `depends`, recursively, named <parent>-<dep>
//
// Every problem found is reported; the result holds a Stack whenever the
// YAML could be read, even with errors, so callers can show partial output.
// Nothing here prompts or talks to the master directly: see sources.h.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "stacks/diagnostics.h"
#include "stacks/sources.h"
#include "stacks/stack.h"
#include "stacks/value.h"

namespace kontena::stacks {

struct LoadOptions {
    std::string name;                        // -n NAME; default: name part of `stack:`
    std::string parent;                      // PARENT_STACK, when loading a child stack on its own
    std::string grid = "grid";               // GRID built-in
    std::string platform;                    // PLATFORM built-in; default = grid
    std::map<std::string, Value> values;     // -v / --values-from; "dep.var" keys go to child `dep`
    bool placeholders = false;               // fill required variables left without a value
    std::uint64_t seed = 1;                  // random_* resolvers
    FileSource* files = nullptr;             // default: the real filesystem
    StackRegistry* registry = nullptr;       // default: none (offline)
    const Environment* environment = nullptr;  // default: the process environment
    ResolverBackend* backend = nullptr;      // default: offline (no answers)
};

struct LoadResult {
    std::optional<Stack> stack;
    Diagnostics diagnostics;
    bool ok() const { return stack.has_value() && !diagnostics.hasErrors(); }
};

// Load the stack file at `path` (children resolve relative to it).
LoadResult loadStackFile(const std::string& path, const LoadOptions& options);

// Load stack text; `file` names it in messages and anchors relative paths.
LoadResult loadStackText(const std::string& text, const std::string& file, const LoadOptions& options);

}  // namespace kontena::stacks
