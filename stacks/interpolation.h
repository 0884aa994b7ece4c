#pragma once
// $VAR / ${VAR} substitution on stack file text (reference 6.1 step 5).
//
// Rules, per line:
//  - `$$` stays `$$` here (escapeDollars() turns it into `$` afterwards);
//  - `$name`, `${name}` (and the lenient `${name` without `}`) are replaced
//    by the value of `name`, where name is [A-Za-z0-9_]+;
//  - a `$` followed by anything else is left alone;
//  - lines whose trimmed text starts with `interpolate:` or `evaluate:` are
//    left alone when skipResolverLines is set (their `${x}` belong to the
//    variable resolvers);
//  - values containing a newline, a quote or `|` are inserted as a YAML
//    double-quoted string, so they stay one scalar;
//  - a name the lookup does not know is an error
//    "Undeclared variable 'X'"; a nil or empty value becomes "" with a
//    warning "Value for X is not set. Substituting with an empty string.".

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "stacks/value.h"

namespace kontena::stacks {

struct LineMessage {
    int line = 0;       // from 1
    int column = 0;     // from 1
    std::string message;
};

struct InterpolationResult {
    std::string text;
    std::vector<LineMessage> errors;
    std::vector<LineMessage> warnings;
};

// Returns the value of a declared name, or nullptr if the name is unknown.
using VariableLookup = std::function<const Value*(const std::string&)>;

InterpolationResult interpolateVariables(std::string_view text, const VariableLookup& lookup,
                                         bool skipResolverLines = true);

// The minimal pass (6.1 step 2): replace only the names `lookup` knows,
// leave every other `$...` untouched, report nothing.
std::string substituteKnown(std::string_view text, const VariableLookup& lookup);

// `$$` -> `$` (6.1 step 6).
std::string escapeDollars(std::string_view text);

// A YAML double-quoted rendering of s ("a\nb" -> "\"a\\nb\"").
std::string yamlQuoted(const std::string& s);

}  // namespace kontena::stacks
