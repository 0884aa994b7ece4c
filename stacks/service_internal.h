#pragma once
// Internal to service building: the context a key handler gets and the
// typed readers that report "expected X, got Y" errors.

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "stacks/service.h"
#include "stacks/yaml_util.h"

namespace kontena::stacks::detail {

struct KeyCtx {
    const ServiceContext& ctx;
    Diagnostics& diags;
    StackService& out;
    std::string path;   // "services.<name>.<key>"

    void error(const YAML::Node& at, const std::string& message, const std::string& sub = "") const {
        diags.error(positionOf(at, ctx.file), sub.empty() ? path : sub, message);
    }
    void expected(const YAML::Node& at, const std::string& what, const std::string& sub = "") const {
        error(at, "expected " + what + ", got " + describe(at), sub);
    }
};

std::optional<std::string> readString(const KeyCtx& k, const YAML::Node& n, const std::string& sub = "");
// Strictly a string as Kontena's validator types it: a quoted scalar or a
// plain one that is not a boolean, number or null (`image: true`,
// `command: 1234` are errors, as in Kontena).
std::optional<std::string> readText(const KeyCtx& k, const YAML::Node& n, const std::string& sub = "");
std::optional<std::int64_t> readInt(const KeyCtx& k, const YAML::Node& n, const std::string& sub = "");
std::optional<double> readNumber(const KeyCtx& k, const YAML::Node& n, const std::string& sub = "");
std::optional<bool> readBool(const KeyCtx& k, const YAML::Node& n, const std::string& sub = "");
// A list of strings; non-string items are reported and skipped.
std::optional<std::vector<std::string>> readStringList(const KeyCtx& k, const YAML::Node& n);
// Reports keys of map `n` that are not in `allowed`.
void checkKeys(const KeyCtx& k, const YAML::Node& n, const std::vector<std::string>& allowed);

// Section handlers (service_sections.cpp).
void readDeploy(const KeyCtx& k, const YAML::Node& n);
void readHealthCheck(const KeyCtx& k, const YAML::Node& n);
void readHooks(const KeyCtx& k, const YAML::Node& n);
void readSecrets(const KeyCtx& k, const YAML::Node& n, bool certificates);
void readLogging(const KeyCtx& k, const YAML::Node& n);
void readBuild(const KeyCtx& k, const YAML::Node& n);

}  // namespace kontena::stacks::detail
