#pragma once
// The `variables` section (reference 6.3): definitions, their types and
// options, the resolvers (`from`), setters (`to`) and only_if/skip_if.
//
//   definition --(values given? else resolvers in order, else default)-->
//   raw value --(type: transform, validate)--> final value --> setters
//
// Resolution never prompts by itself: `prompt` and every master-backed
// resolver go through ResolverBackend. With `placeholders`, a required
// variable left without a value gets a placeholder of its type instead of
// an error.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/random.h"
#include "scheduler/result.h"
#include "stacks/diagnostics.h"
#include "stacks/sources.h"
#include "stacks/value.h"

namespace YAML {
class Node;
}

namespace kontena::stacks {

enum class VariableType { String, Integer, Boolean, Enum, Uri, Array };

std::optional<VariableType> parseVariableType(const std::string& s);
std::string toString(VariableType t);

// only_if / skip_if: each term is a variable name and, for the map form, the
// value it must equal (nullopt: the variable must be truthy).
struct Conditions {
    std::vector<std::pair<std::string, std::optional<Value>>> terms;
    bool empty() const { return terms.empty(); }
};

// Truthy for conditions: not nil, not false, not the string "false".
bool conditionTruthy(const Value& v);
// True when every term of `c` holds (an empty set holds).
bool allHold(const Conditions& c, const std::map<std::string, Value>& values);
// True when at least one term holds.
bool anyHolds(const Conditions& c, const std::map<std::string, Value>& values);
// Reads the only_if/skip_if forms (name, list of names, map name->value);
// an invalid form is reported and yields no terms.
Conditions parseConditions(const YAML::Node& node, const std::string& file, const std::string& path,
                           Diagnostics& diags);

// One `name: {type, ...}` entry.
struct VariableDef {
    std::string name;
    VariableType type = VariableType::String;
    Value options;                                      // the whole definition map
    std::vector<std::pair<std::string, Value>> from;    // resolver -> hint, in file order
    std::vector<std::pair<std::string, Value>> to;      // setter -> target
    Conditions onlyIf, skipIf;
    SourcePos pos;

    const Value* option(const std::string& key) const { return options.get(key); }
    bool required() const;
};

// Parse the `variables` node of a stack file (a map); problems are reported
// and the offending definition is skipped.
std::vector<VariableDef> parseVariableDefs(const YAML::Node& node, const std::string& file, Diagnostics& diags);

// Everything resolution may consult.
struct ResolveContext {
    std::string file;                      // for messages and `file` resolver paths
    std::string stackName;                 // STACK, for service_instances
    std::map<std::string, Value> builtins;  // STACK, GRID, PLATFORM, PARENT_STACK, dependencies
    std::map<std::string, Value> given;    // values from -v / --values-from / depends.variables
    bool placeholders = false;
    ResolverBackend* backend = nullptr;
    const Environment* environment = nullptr;
    FileSource* files = nullptr;
    Rng* rng = nullptr;
};

struct ResolvedVariables {
    std::map<std::string, Value> values;              // every declared variable (nil if skipped/empty)
    std::map<std::string, Value> envExports;          // `to: env` targets -> value
    std::vector<std::pair<std::string, std::string>> vaultWrites;  // `to: vault` (secret, value)
    std::set<std::string> vaultBacked;                // read from or written to vault
    std::set<std::string> placeholdered;              // filled with placeholders
};

// Resolve all definitions in order (a variable used by another's
// interpolate/evaluate/only_if is resolved first; cycles are errors).
ResolvedVariables resolveVariables(const std::vector<VariableDef>& defs, const ResolveContext& ctx,
                                   Diagnostics& diags);

// ---- pieces, exposed for tests and for the master ----

// Turn a raw value into the variable's final value (type conversion,
// transformations, validation). Errors say what was expected.
Result<Value> coerceVariable(const VariableDef& def, const Value& raw);

// A value of the right type that satisfies the definition's constraints,
// shaped by the resolver that would have answered (`service_link` gives
// "stack/service").
Value placeholderFor(const VariableDef& def);

// Runs one resolver. nullopt: no answer (try the next). Errors (bad hint,
// unreadable file without ignore_errors, bad arithmetic) go to `error`.
// `lookup` answers ${other} references for interpolate/evaluate.
struct ResolverCall {
    const VariableDef& def;
    const std::string& resolver;
    const Value& hint;
    const ResolveContext& ctx;
    const std::map<std::string, Value>& localEnv;  // `to: env` exports so far
};
using OtherValue = std::function<std::optional<Value>(const std::string&, std::string& error)>;
std::optional<Value> runResolver(const ResolverCall& call, const OtherValue& lookup, std::string& error);

// random_string charsets by name; nullopt for a literal character set.
std::optional<std::string> namedCharset(const std::string& name);

}  // namespace kontena::stacks
