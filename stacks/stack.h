#pragma once
// A processed stack file: the values the rest of the platform uses. Each
// service carries the core's kontena::ServiceSpec plus the stack-file-only
// extras the core does not need (build, external links, source position).

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/model.h"
#include "stacks/diagnostics.h"
#include "stacks/value.h"

namespace kontena::stacks {

// `build:` (string context or {context, dockerfile, args}); used by
// `kontena stack build`, never by the master.
struct BuildSpec {
    std::string context;
    std::string dockerfile;
    std::vector<std::string> args;   // "KEY=VALUE" (KEY alone when no value)
};

struct StackService {
    ServiceSpec spec;                         // stack, name, image, ... for the core
    std::optional<BuildSpec> build;
    std::vector<std::string> dependsOn;       // as written; also merged into spec.links
    std::vector<std::string> externalLinks;   // legacy, accepted and passed on
    SourcePos pos;                            // where the service is defined
};

// A top-level `volumes:` entry.
struct StackVolume {
    std::string name;                 // name used by services in this file
    bool external = false;
    std::string externalName;         // the Kontena volume it refers to (= name unless external.name)
    std::optional<VolumeScope> scope;
    std::string driver;
    std::map<std::string, std::string> driverOpts;
    SourcePos pos;
};

struct Stack {
    std::string file;                 // path as given (or registry reference)
    std::string stack;                // `stack:` value, "[user/]name"
    std::string name;                 // instance name (-n, or the name part of `stack:`)
    std::string version = "0.0.1";
    std::string description;
    std::string expose;               // a service name, or empty
    std::string parent;               // parent stack name for child stacks
    std::string grid;
    std::vector<std::string> labels;
    Value variables = Value::map();   // final values, without built-ins and vault-backed ones
    Value meta;                       // `meta:` as written
    std::vector<StackService> services;
    std::vector<StackVolume> volumes;
    std::vector<Stack> dependencies;  // child stacks (named <name>-<dependency>)
    std::vector<std::string> dependencyNames;   // the `depends` keys, parallel to dependencies
    std::vector<std::pair<std::string, std::string>> vaultWrites;  // `to: vault` setters (secret, value)

    const StackService* service(const std::string& serviceName) const;
};

}  // namespace kontena::stacks
