#pragma once
// Rendering a processed stack for people and programs: a Value tree close to
// the payload the master receives (reference 6.1), printed as YAML or JSON.
// Output order is fixed (file order of services, fixed key order), so the
// same input always prints the same text.

#include <string>

#include "stacks/stack.h"
#include "stacks/value.h"

namespace kontena::stacks {

Value serviceToValue(const StackService& service);
Value stackToValue(const Stack& stack);

std::string toYaml(const Value& v);
std::string toJson(const Value& v);

}  // namespace kontena::stacks
