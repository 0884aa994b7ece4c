#pragma once
// One service definition (a node under `services:`) -> StackService, with
// every key of reference 6.4 checked for type and syntax. Unknown keys are
// errors ("key not expected"), as in the CLI's strict v3 schema.

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "stacks/diagnostics.h"
#include "stacks/sources.h"
#include "stacks/stack.h"

namespace YAML {
class Node;
}

namespace kontena::stacks {

struct ServiceContext {
    std::string file;                       // for messages and env_file paths
    std::string stackName;                  // ServiceSpec.stack
    std::set<std::string> volumeNames;      // top-level volumes of the file
    bool hasVolumesSection = false;
    FileSource* files = nullptr;            // env_file reading
};

// Builds the service `name` from its (already extended) definition. Every
// problem is reported; nullopt only when the node is not a mapping.
// Cross-service checks (links to existing services) happen in the caller.
std::optional<StackService> buildService(const std::string& name, const YAML::Node& node, const ServiceContext& ctx,
                                         Diagnostics& diags);

// The keys a service definition may have.
const std::set<std::string>& serviceKeys();

}  // namespace kontena::stacks
