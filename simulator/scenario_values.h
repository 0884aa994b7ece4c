#pragma once
// Scalar syntax of scenario files: durations, memory sizes, names and
// references. Pure functions over strings; the messages they return are
// shown to scenario authors as they are (without a position: the caller
// adds FILE:LINE:COLUMN).

#include <cstdint>
#include <string>
#include <string_view>

#include "scheduler/result.h"
#include "scheduler/time.h"
#include "simulator/scenario.h"

namespace kontena::sim {

// 'text' in single quotes, as messages show values.
std::string quote(std::string_view text);

// "1m30s", "250ms", "2h": integers each followed by a unit (h, m, s, ms),
// units in that order and each at most once. A bare integer, a sign, spaces
// or a total beyond 100 years are errors.
Result<Duration> parseDuration(std::string_view text);

// "4GiB", "512MiB", "100B": an integer followed by B, KiB, MiB, GiB or TiB
// (binary units). The unit is required; the result is at most 1 PiB.
Result<std::int64_t> parseMemory(std::string_view text);

// A decimal integer in [min, max] with no sign other than a leading '-' and
// no other characters.
Result<std::int64_t> parseInteger(std::string_view text, std::int64_t min, std::int64_t max);

// "true"/"false" (also YAML 1.1 yes/no/on/off, any case).
Result<bool> parseBool(std::string_view text);

// Node names: one or more of [a-z0-9-].
bool isNodeName(std::string_view s);
// Stack instance names: [a-z0-9_-]+ not starting with '-'; "null" is taken
// by the platform's default stack.
bool isStackName(std::string_view s);
// Service names: [A-Za-z0-9_-]+ not starting with '-' (server rule).
bool isServiceName(std::string_view s);
// A label: "key" or "key=value" with a non-empty key and no whitespace.
bool isLabel(std::string_view s);

// "STACK/SERVICE" with valid names. Does not check that the stack exists.
Result<ServiceRef> parseServiceRef(std::string_view text);
// "STACK/SERVICE-N" with N >= 1 (the last '-' separates the number).
Result<InstanceRef> parseInstanceRef(std::string_view text);

}  // namespace kontena::sim
