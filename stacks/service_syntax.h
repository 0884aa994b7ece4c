#pragma once
// The small syntaxes inside service definitions (reference 6.4, 5.2, 4.6):
// pure string functions, each returning nullopt (or an Error) for input it
// does not accept.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/result.h"
#include "scheduler/time.h"

namespace kontena::stacks {

// `redis` -> `redis:latest`; a string containing any `:` is kept
// (so `host:5000/app` gets no tag).
std::string normalizeImage(const std::string& image);

// `[ip:]node_port:container_port[/proto]`, ports 1..65535.
std::optional<PortSpec> parsePort(const std::string& text);

// `<n>[b|k|m|g]` (binary units, case-insensitive) -> bytes.
std::optional<std::int64_t> parseMemory(const std::string& text);

// Go-style duration `1m30s`, `1.5s`, `0s`, `250ms`, or bare seconds.
std::optional<Duration> parseDuration(const std::string& text);

// deploy.interval: `^\d+(min|h|d|)$`; bare numbers are seconds.
std::optional<Duration> parseDeployInterval(const std::string& text);

// A `volumes` entry (5.2): bind `/src:/path[:flags]`, named
// `name:/path[:flags]`, anonymous `/path`.
Result<VolumeMount> parseVolumeMount(const std::string& text);

// `svc`, `svc:alias`, `stack/svc`, `stack/svc:alias`.
std::optional<Link> parseLink(const std::string& text);

// `SIGTERM`, `SIGRTMIN+3`, `SIGRTMAX-2`, or a number.
bool isValidStopSignal(const std::string& text);

// An affinity rule must contain `==` or `!=` (CLI validation, 4.6).
bool isValidAffinity(const std::string& rule);

// Server-side name rule `^(?!-)[\w-]+$`.
bool isValidName(const std::string& name);
// The CLI's advice: `[a-z0-9-]+` not starting with `-`.
bool isRecommendedName(const std::string& name);

// Shell-word splitting (quotes, backslashes) like Ruby's Shellwords;
// nullopt for an unbalanced quote.
std::optional<std::vector<std::string>> shellSplit(const std::string& text);

// An env file: `KEY=VALUE` lines; blank lines and `#` comments skipped.
std::vector<std::string> parseEnvFile(const std::string& text);

// Key of a `KEY=VALUE` entry (the part before the first `=`).
std::string envKey(const std::string& entry);

}  // namespace kontena::stacks
