// Variable definitions, conditions and the resolution driver (6.3).
#include "stacks/variables.h"

#include "stacks/yaml_util.h"

namespace kontena::stacks {

std::optional<VariableType> parseVariableType(const std::string& raw) {
    // Kontena's own fixtures write `type: :string` (a Ruby symbol).
    const std::string s = (!raw.empty() && raw.front() == ':') ? raw.substr(1) : raw;
    if (s == "string") return VariableType::String;
    if (s == "integer") return VariableType::Integer;
    if (s == "boolean") return VariableType::Boolean;
    if (s == "enum") return VariableType::Enum;
    if (s == "uri") return VariableType::Uri;
    if (s == "array") return VariableType::Array;
    return std::nullopt;
}

std::string toString(VariableType t) {
    switch (t) {
    case VariableType::String: return "string";
    case VariableType::Integer: return "integer";
    case VariableType::Boolean: return "boolean";
    case VariableType::Enum: return "enum";
    case VariableType::Uri: return "uri";
    case VariableType::Array: return "array";
    }
    return "string";
}

bool conditionTruthy(const Value& v) {
    if (!v.truthy()) return false;
    return !(v.isString() && v.asString() == "false");
}

namespace {

bool termHolds(const std::pair<std::string, std::optional<Value>>& term, const std::map<std::string, Value>& values) {
    auto it = values.find(term.first);
    const Value actual = it == values.end() ? Value() : it->second;
    if (!term.second) return conditionTruthy(actual);
    return actual == *term.second || (!actual.isNil() && actual.toText() == term.second->toText());
}

}  // namespace

bool allHold(const Conditions& c, const std::map<std::string, Value>& values) {
    for (const auto& t : c.terms) {
        if (!termHolds(t, values)) return false;
    }
    return true;
}

bool anyHolds(const Conditions& c, const std::map<std::string, Value>& values) {
    for (const auto& t : c.terms) {
        if (termHolds(t, values)) return true;
    }
    return false;
}

Conditions parseConditions(const YAML::Node& node, const std::string& file, const std::string& path,
                           Diagnostics& diags) {
    Conditions c;
    if (!node.IsDefined() || node.IsNull()) return c;
    if (node.IsScalar()) {
        c.terms.push_back({node.Scalar(), std::nullopt});
    } else if (node.IsSequence()) {
        for (const auto& item : node) {
            if (item.IsScalar()) {
                c.terms.push_back({item.Scalar(), std::nullopt});
            } else {
                diags.error(positionOf(item, file), path, "expected a variable name, got " + describe(item));
            }
        }
    } else if (node.IsMap()) {
        for (const auto& kv : node) {
            c.terms.push_back({scalarText(kv.first), toValue(kv.second)});
        }
    }
    return c;
}

bool VariableDef::required() const {
    const Value* r = option("required");
    return !(r && ((r->kind() == Value::Kind::Bool && !r->asBool()) || (r->isString() && r->asString() == "false")));
}

namespace {

// `from:` / `to:` as an ordered list of (name, hint).
std::vector<std::pair<std::string, Value>> resolverList(const YAML::Node& node, const std::string& file,
                                                        const std::string& path, Diagnostics& diags) {
    std::vector<std::pair<std::string, Value>> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (node.IsScalar()) {
        out.push_back({node.Scalar(), Value()});
    } else if (node.IsMap()) {
        for (const auto& kv : node) out.push_back({scalarText(kv.first), toValue(kv.second)});
    } else {
        diags.error(positionOf(node, file), path, "expected a mapping of resolvers, got " + describe(node));
    }
    return out;
}

std::optional<VariableDef> parseOne(const std::string& name, const YAML::Node& key, const YAML::Node& node,
                                    const std::string& file, Diagnostics& diags) {
    const std::string path = "variables." + name;
    if (!node.IsMap()) {
        diags.error(positionOf(node, file), path, "expected a mapping, got " + describe(node));
        return std::nullopt;
    }
    VariableDef def;
    def.name = name;
    def.pos = positionOf(key, file);
    def.options = toValue(node);
    const YAML::Node type = node["type"];
    if (type.IsDefined() && !type.IsNull()) {
        auto t = parseVariableType(scalarText(type));
        if (!t) {
            diags.error(positionOf(type, file), path + ".type",
                        "expected one of string, integer, boolean, enum, uri, array, got " + describe(type));
            return std::nullopt;
        }
        def.type = *t;
    }
    def.from = resolverList(node["from"], file, path + ".from", diags);
    if (!node["from"].IsDefined()) def.from.push_back({"env", Value::string(name)});
    def.to = resolverList(node["to"], file, path + ".to", diags);
    def.onlyIf = parseConditions(node["only_if"], file, path + ".only_if", diags);
    def.skipIf = parseConditions(node["skip_if"], file, path + ".skip_if", diags);
    return def;
}

}  // namespace

std::vector<VariableDef> parseVariableDefs(const YAML::Node& node, const std::string& file, Diagnostics& diags) {
    std::vector<VariableDef> defs;
    if (!node.IsDefined() || node.IsNull()) return defs;
    if (!node.IsMap()) {
        diags.error(positionOf(node, file), "variables", "expected a mapping, got " + describe(node));
        return defs;
    }
    for (const auto& kv : node) {
        if (auto def = parseOne(scalarText(kv.first), kv.first, kv.second, file, diags)) defs.push_back(std::move(*def));
    }
    return defs;
}

// ------------------------------------------------------------- driver ----

namespace {

class Resolution {
public:
    Resolution(const std::vector<VariableDef>& defs, const ResolveContext& ctx, Diagnostics& diags)
        : defs_(defs), ctx_(ctx), diags_(diags) {
        for (const auto& d : defs) index_[d.name] = &d;
    }

    ResolvedVariables run() {
        for (const auto& d : defs_) resolve(d.name);
        return std::move(out_);
    }

private:
    enum class State { Resolving, Done };

    // The value of `name` for another variable; nullopt if unknown.
    std::optional<Value> valueOf(const std::string& name, std::string& error) {
        if (index_.count(name)) {
            auto st = state_.find(name);
            if (st != state_.end() && st->second == State::Resolving) {
                error = "variables reference each other in a cycle through '" + name + "'";
                return std::nullopt;
            }
            resolve(name);
            return out_.values[name];
        }
        auto b = ctx_.builtins.find(name);
        if (b != ctx_.builtins.end()) return b->second;
        auto e = out_.envExports.find(name);
        if (e != out_.envExports.end()) return e->second;
        error = "unknown variable '" + name + "'";
        return std::nullopt;
    }

    // Values of the variables the conditions name, for allHold/anyHolds.
    std::map<std::string, Value> conditionValues(const VariableDef& def) {
        std::map<std::string, Value> values = ctx_.builtins;
        for (const auto* c : {&def.onlyIf, &def.skipIf}) {
            for (const auto& term : c->terms) {
                std::string error;
                if (auto v = valueOf(term.first, error)) values[term.first] = *v;
            }
        }
        return values;
    }

    std::optional<Value> rawValue(const VariableDef& def, bool& failed) {
        auto given = ctx_.given.find(def.name);
        if (given != ctx_.given.end()) return given->second;
        if (const Value* fixed = def.option("value")) return *fixed;
        for (const auto& [resolver, hint] : def.from) {
            std::string error;
            ResolverCall call{def, resolver, hint, ctx_, out_.envExports};
            auto v = runResolver(call, [this](const std::string& n, std::string& e) { return valueOf(n, e); }, error);
            if (!error.empty()) {
                diags_.error(def.pos, "variables." + def.name + ".from." + resolver, error);
                failed = true;
                return std::nullopt;
            }
            if (v && !v->isNil()) return v;
        }
        if (const Value* d = def.option("default")) return *d;
        return std::nullopt;
    }

    void resolve(const std::string& name) {
        if (state_.count(name)) return;
        state_[name] = State::Resolving;
        const VariableDef& def = *index_.at(name);
        out_.values[name] = compute(def);
        state_[name] = State::Done;
        applySetters(def, out_.values[name]);
    }

    Value compute(const VariableDef& def) {
        const auto condValues = conditionValues(def);
        if (!allHold(def.onlyIf, condValues) || (!def.skipIf.empty() && anyHolds(def.skipIf, condValues))) {
            return Value();
        }
        bool failed = false;
        std::optional<Value> raw = rawValue(def, failed);
        if (failed) return Value();
        Result<Value> coerced = coerceVariable(def, raw.value_or(Value()));
        if (!coerced.ok()) {
            diags_.error(def.pos, "variables." + def.name, coerced.error().message);
            return Value();
        }
        if (!coerced.value().isNil() || !def.required()) return coerced.value();
        if (ctx_.placeholders) {
            out_.placeholdered.insert(def.name);
            return placeholderFor(def);
        }
        diags_.error(def.pos, "variables." + def.name,
                     "no value for variable '" + def.name + "' (give one with -v " + def.name +
                         "=VALUE or --values-from FILE)");
        return Value();
    }

    void applySetters(const VariableDef& def, const Value& value) {
        for (const auto& [resolver, hint] : def.from) {
            if (resolver == "vault") out_.vaultBacked.insert(def.name);
        }
        for (const auto& [setter, target] : def.to) {
            const std::string targetName = target.isString() ? target.asString() : def.name;
            if (setter == "env") {
                out_.envExports[targetName] = value;
            } else if (setter == "vault") {
                out_.vaultBacked.insert(def.name);
                if (!value.isNil()) out_.vaultWrites.push_back({targetName, value.toText()});
            } else {
                diags_.error(def.pos, "variables." + def.name + ".to", "unknown setter '" + setter + "' (expected env or vault)");
            }
        }
    }

    const std::vector<VariableDef>& defs_;
    const ResolveContext& ctx_;
    Diagnostics& diags_;
    std::map<std::string, const VariableDef*> index_;
    std::map<std::string, State> state_;
    ResolvedVariables out_;
};

}  // namespace

ResolvedVariables resolveVariables(const std::vector<VariableDef>& defs, const ResolveContext& ctx,
                                   Diagnostics& diags) {
    return Resolution(defs, ctx, diags).run();
}

}  // namespace kontena::stacks
