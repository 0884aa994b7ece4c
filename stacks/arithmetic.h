#pragma once
// The `evaluate` resolver's arithmetic: + - * / % and parentheses over
// integers and decimals, with Ruby's rules (integer division floors,
// 1 / 2.0 = 0.5). Input is the expression after `${x}` substitution.

#include <string>

#include "scheduler/result.h"
#include "stacks/value.h"

namespace kontena::stacks {

// An integer or float Value, or an error naming what is wrong
// ("division by zero", "unexpected 'x' at 5"). Nesting is bounded.
Result<Value> evaluateArithmetic(const std::string& expression);

}  // namespace kontena::stacks
