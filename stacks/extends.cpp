#include "stacks/extends.h"

#include <set>

#include "stacks/service_syntax.h"
#include "stacks/yaml_util.h"

namespace kontena::stacks::detail {
namespace {

constexpr int kMaxChain = 10;

// environment as ordered KEY=VALUE entries (list or map form).
std::vector<std::string> envEntries(const YAML::Node& n) {
    std::vector<std::string> out;
    if (n.IsSequence()) {
        for (const auto& item : n) out.push_back(scalarText(item));
    } else if (n.IsMap()) {
        for (const auto& kv : n) out.push_back(scalarText(kv.first) + "=" + scalarText(kv.second));
    }
    return out;
}

YAML::Node mergeEnvironment(const YAML::Node& base, const YAML::Node& over) {
    if (!(base.IsSequence() || base.IsMap()) || !(over.IsSequence() || over.IsMap())) return YAML::Clone(over);
    std::vector<std::string> merged = envEntries(over);
    std::set<std::string> keys;
    for (const auto& e : merged) keys.insert(envKey(e));
    for (const auto& e : envEntries(base)) {
        if (!keys.count(envKey(e))) merged.push_back(e);
    }
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& e : merged) out.push_back(e);
    return out;
}

YAML::Node mergeSecrets(const YAML::Node& base, const YAML::Node& over) {
    if (!base.IsSequence() || !over.IsSequence()) return YAML::Clone(over);
    YAML::Node out(YAML::NodeType::Sequence);
    std::set<std::string> names;
    for (const auto& s : over) {
        out.push_back(YAML::Clone(s));
        if (s.IsMap()) names.insert(scalarText(s["name"]));
    }
    for (const auto& s : base) {
        if (!s.IsMap() || !names.count(scalarText(s["name"]))) out.push_back(YAML::Clone(s));
    }
    return out;
}

YAML::Node merge(const YAML::Node& base, const YAML::Node& over) {
    YAML::Node out = base.IsMap() ? YAML::Clone(base) : YAML::Node(YAML::NodeType::Map);
    out.remove("extends");
    for (const auto& kv : over) {
        const std::string key = scalarText(kv.first);
        if (key == "extends") continue;
        const YAML::Node& view = out;
        const YAML::Node existing = view[key];
        if (key == "environment" && existing) out[key] = mergeEnvironment(existing, kv.second);
        else if (key == "secrets" && existing) out[key] = mergeSecrets(existing, kv.second);
        else out[key] = YAML::Clone(kv.second);
    }
    return out;
}

struct Target {
    std::string service;
    std::string file;    // empty: same document
    std::string stack;   // registry reference
};

std::optional<Target> readTarget(const YAML::Node& ext, const std::string& file, const std::string& path,
                                 Diagnostics& diags) {
    Target t;
    if (ext.IsScalar()) {
        t.service = ext.Scalar();
        return t;
    }
    if (!ext.IsMap() || !ext["service"] || !ext["service"].IsScalar()) {
        diags.error(positionOf(ext, file), path, "expected a service name or {service, file|stack}, got " + describe(ext));
        return std::nullopt;
    }
    t.service = ext["service"].Scalar();
    if (ext["file"]) t.file = scalarText(ext["file"]);
    if (ext["stack"]) t.stack = scalarText(ext["stack"]);
    return t;
}

class Extender {
public:
    Extender(const ExtendsContext& ctx, Diagnostics& diags) : ctx_(ctx), diags_(diags) {}

    YAML::Node resolve(const ServiceSource& src, const std::string& name, const YAML::Node& def, int depth) {
        const YAML::Node ext = def.IsMap() ? def["extends"] : YAML::Node();
        if (!ext) return def;
        const std::string path = "services." + name + ".extends";
        const std::string key = src.file + "#" + name;
        if (depth >= kMaxChain || !visiting_.insert(key).second) {
            diags_.error(positionOf(ext, src.file), path, "extends chain loops or is deeper than 10 through '" + name + "'");
            return merge(YAML::Node(YAML::NodeType::Map), def);
        }
        YAML::Node result = merge(YAML::Node(YAML::NodeType::Map), def);
        if (auto target = readTarget(ext, src.file, path, diags_)) {
            if (auto base = findBase(src, *target, ext, path)) {
                const YAML::Node resolvedBase = resolve(base->first, target->service, base->second, depth + 1);
                result = merge(resolvedBase, def);
            }
        }
        visiting_.erase(key);
        return result;
    }

private:
    std::optional<std::pair<ServiceSource, YAML::Node>> findBase(const ServiceSource& src, const Target& t,
                                                                const YAML::Node& ext, const std::string& path) {
        std::optional<ServiceSource> other;
        if (!t.file.empty()) {
            other = ctx_.loadFile(src.file, t.file);
            if (!other) {
                diags_.error(positionOf(ext, src.file), path, "cannot read extended file '" + t.file + "'");
                return std::nullopt;
            }
        } else if (!t.stack.empty()) {
            other = ctx_.loadStack(t.stack);
            if (!other) {
                diags_.error(positionOf(ext, src.file), path, "cannot fetch extended stack '" + t.stack + "' from the registry");
                return std::nullopt;
            }
        } else {
            other = src;
        }
        const YAML::Node& services = other->services;
        const YAML::Node base = services.IsMap() ? services[t.service] : YAML::Node();
        if (!base || !base.IsMap()) {
            diags_.error(positionOf(ext, src.file), path, "service '" + t.service + "' not found in " + other->file);
            return std::nullopt;
        }
        return std::make_pair(*other, base);
    }

    const ExtendsContext& ctx_;
    Diagnostics& diags_;
    std::set<std::string> visiting_;
};

}  // namespace

YAML::Node resolveExtends(const std::string& name, const YAML::Node& def, const ExtendsContext& ctx, Diagnostics& diags) {
    return Extender(ctx, diags).resolve(ctx.self, name, def, 0);
}

YAML::Node servicesOf(const YAML::Node& root) {
    if (!root.IsMap()) return YAML::Node();
    const YAML::Node& view = root;
    const YAML::Node services = view["services"];
    if (services && services.IsMap()) return services;
    return root;
}

}  // namespace kontena::stacks::detail
