#include "stacks/document.h"

#include <algorithm>
#include <set>

#include "stacks/names.h"
#include "stacks/prepass.h"
#include "stacks/service.h"
#include "stacks/service_syntax.h"
#include "stacks/variables.h"
#include "stacks/yaml_util.h"

namespace kontena::stacks::detail {
namespace {

const std::set<std::string> kTopLevelKeys = {"stack",   "version", "description", "expose", "variables", "services",
                                             "volumes", "depends", "labels",      "networks", "data",    "errors",
                                             "meta"};

bool isSemver(const std::string& v) {
    int parts = 0;
    std::size_t i = 0;
    while (parts < 3) {
        std::size_t j = i;
        while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j]))) ++j;
        if (j == i) return false;
        ++parts;
        i = j;
        if (parts < 3) {
            if (i >= v.size() || v[i] != '.') return false;
            ++i;
        }
    }
    return i == v.size() || v[i] == '-' || v[i] == '+';
}

bool isValidLabel(const std::string& l) {
    const std::size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    return std::all_of(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
}

void readHeader(const YAML::Node& root, const std::string& file, Stack& out, Diagnostics& diags) {
    for (const auto& kv : root) {
        const std::string key = scalarText(kv.first);
        if (!kTopLevelKeys.count(key)) diags.notice(positionOf(kv.first, file), key, "unknown top-level key, ignored");
    }
    const YAML::Node stack = root["stack"];
    if (!stack || stack.IsNull()) {
        diags.error({file, 1, 1}, "stack", "Required field missing");
    } else if (!stack.IsScalar()) {
        diags.error(positionOf(stack, file), "stack", "expected a string like user/name, got " + describe(stack));
    } else {
        out.stack = stack.Scalar();
        if (!isRecommendedName(stackNamePart(out.stack))) {
            diags.notice(positionOf(stack, file), "stack", "stack name should only contain a-z, 0-9 and - and not start with -");
        }
    }
    if (const YAML::Node v = root["version"]; v && !v.IsNull()) {
        out.version = scalarText(v);
        if (!v.IsScalar() || !isSemver(out.version)) {
            diags.notice(positionOf(v, file), "version", "expected a semantic version like 1.0.0, got " + describe(v));
        }
    }
    if (const YAML::Node d = root["description"]; d && d.IsScalar()) out.description = d.Scalar();
    if (const YAML::Node n = root["networks"]) diags.notice(positionOf(n, file), "networks", "networks are not supported, ignored");
    if (const YAML::Node m = root["meta"]) out.meta = toValue(m);
    if (const YAML::Node labels = root["labels"]; labels && !labels.IsNull()) {
        if (!labels.IsSequence()) {
            diags.error(positionOf(labels, file), "labels", "expected a list, got " + describe(labels));
        } else {
            std::size_t i = 0;
            for (const auto& l : labels) {
                const std::string text = scalarText(l);
                if (!l.IsScalar() || !isValidLabel(text)) {
                    diags.error(positionOf(l, file), indexPath("labels", i), "expected a label like fqdn=about.me, got " + describe(l));
                } else {
                    out.labels.push_back(text);
                }
                ++i;
            }
        }
    }
}

bool skipped(const YAML::Node& def, const DocumentContext& ctx, const std::string& path, Diagnostics& diags) {
    if (!def.IsMap()) return false;
    const Conditions onlyIf = parseConditions(def["only_if"], ctx.file, path + ".only_if", diags);
    const Conditions skipIf = parseConditions(def["skip_if"], ctx.file, path + ".skip_if", diags);
    return !allHold(onlyIf, ctx.conditionValues) || (!skipIf.empty() && anyHolds(skipIf, ctx.conditionValues));
}

std::optional<VolumeScope> parseScope(const std::string& s) {
    if (s == "instance") return VolumeScope::Instance;
    if (s == "stack") return VolumeScope::Stack;
    if (s == "grid") return VolumeScope::Grid;
    return std::nullopt;
}

StackVolume readVolume(const std::string& name, const YAML::Node& def, const std::string& file, Diagnostics& diags) {
    const std::string path = "volumes." + name;
    StackVolume v;
    v.name = name;
    v.externalName = name;
    v.pos = positionOf(def, file);
    if (!def.IsMap()) {
        if (!def.IsNull()) diags.error(v.pos, path, "expected a mapping, got " + describe(def));
        return v;
    }
    for (const auto& kv : def) {
        const std::string key = scalarText(kv.first);
        if (key != "external" && key != "scope" && key != "driver" && key != "driver_opts" && key != "only_if" && key != "skip_if") {
            diags.error(positionOf(kv.first, file), subPath(path, key), "key not expected");
        }
    }
    if (const YAML::Node ext = def["external"]) {
        if (ext.IsMap()) {
            v.external = true;
            if (ext["name"] && ext["name"].IsScalar()) v.externalName = ext["name"].Scalar();
            else diags.error(positionOf(ext, file), path + ".external.name", "expected a volume name");
        } else if (ext.IsScalar() && scalarType(ext) == ScalarType::Bool) {
            v.external = toValue(ext).asBool();
        } else {
            diags.error(positionOf(ext, file), path + ".external", "expected true, false or {name: X}, got " + describe(ext));
        }
    }
    if (const YAML::Node s = def["scope"]; s && !s.IsNull()) {
        v.scope = parseScope(scalarText(s));
        if (!v.scope) diags.error(positionOf(s, file), path + ".scope", "expected instance, stack or grid, got " + describe(s));
    }
    if (const YAML::Node d = def["driver"]; d && d.IsScalar()) v.driver = d.Scalar();
    if (const YAML::Node o = def["driver_opts"]; o && o.IsMap()) {
        for (const auto& kv : o) v.driverOpts[scalarText(kv.first)] = scalarText(kv.second);
    }
    if (!v.external) {
        diags.warning(v.pos, path, "only external volumes can be deployed (the master answers \"Only external volumes supported\")");
    }
    return v;
}

void readVolumes(const YAML::Node& root, const DocumentContext& ctx, Stack& out, Diagnostics& diags) {
    const YAML::Node volumes = root["volumes"];
    if (!volumes || volumes.IsNull()) return;
    if (!volumes.IsMap()) {
        diags.error(positionOf(volumes, ctx.file), "volumes", "expected a mapping, got " + describe(volumes));
        return;
    }
    for (const auto& kv : volumes) {
        const std::string name = scalarText(kv.first);
        if (skipped(kv.second, ctx, "volumes." + name, diags)) continue;
        out.volumes.push_back(readVolume(name, kv.second, ctx.file, diags));
    }
}

// Links inside the stack must name services of the stack; depends_on joins
// the links (alias = name).
void checkLinks(Stack& out, const std::string& file, Diagnostics& diags) {
    std::set<std::string> names;
    for (const auto& s : out.services) names.insert(s.spec.name);
    for (auto& s : out.services) {
        const std::string path = "services." + s.spec.name;
        for (const auto& l : s.spec.links) {
            if (l.stack.empty() && !names.count(l.service)) {
                diags.error(s.pos, path + ".links", "service '" + l.service + "' is not defined in the stack " + file);
            }
        }
        for (const auto& d : s.dependsOn) {
            if (!names.count(d)) {
                diags.error(s.pos, path + ".depends_on", "service '" + d + "' is not defined in the stack " + file);
                continue;
            }
            const bool linked = std::any_of(s.spec.links.begin(), s.spec.links.end(),
                                            [&](const Link& l) { return l.stack.empty() && l.service == d; });
            if (!linked) s.spec.links.push_back(Link{"", d, d});
        }
    }
}

// volumes_from names instances of the same stack: "<service>-<n>" with n a
// number or %s/%i/%d (the instance number at deploy time).
std::string volumesFromService(const std::string& entry) {
    const std::size_t dash = entry.rfind('-');
    if (dash == std::string::npos || dash == 0) return entry;
    const std::string suffix = entry.substr(dash + 1);
    const bool number = !suffix.empty() && std::all_of(suffix.begin(), suffix.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
    if (number || suffix == "%s" || suffix == "%i" || suffix == "%d") return entry.substr(0, dash);
    return entry;
}

void checkVolumesFrom(const Stack& out, const std::string& file, Diagnostics& diags) {
    for (const auto& s : out.services) {
        for (const auto& entry : s.spec.volumesFrom) {
            const std::string target = volumesFromService(entry);
            if (!out.service(target)) {
                diags.error(s.pos, "services." + s.spec.name + ".volumes_from",
                            "service '" + target + "' (from " + quoteForMessage(entry) + ") is not defined in the stack " + file);
            }
        }
    }
}

void readServices(const YAML::Node& root, DocumentContext& ctx, Stack& out, Diagnostics& diags) {
    const YAML::Node services = root["services"];
    if (!services || services.IsNull()) return;
    if (!services.IsMap()) {
        diags.error(positionOf(services, ctx.file), "services", "expected a mapping, got " + describe(services));
        return;
    }
    ctx.extends.self = ServiceSource{ctx.file, services};
    ServiceContext sctx{ctx.file, out.name, {}, static_cast<bool>(root["volumes"]) && root["volumes"].IsMap(), ctx.files};
    for (const auto& v : out.volumes) sctx.volumeNames.insert(v.name);
    for (const auto& kv : services) {
        const std::string name = scalarText(kv.first);
        const std::string path = "services." + name;
        if (!kv.second.IsMap()) {
            diags.error(positionOf(kv.second, ctx.file), path, "expected a mapping, got " + describe(kv.second));
            continue;
        }
        const YAML::Node def = resolveExtends(name, kv.second, ctx.extends, diags);
        if (skipped(def, ctx, path, diags)) continue;
        if (auto svc = buildService(name, def, sctx, diags)) out.services.push_back(std::move(*svc));
    }
}

void checkStack(const YAML::Node& root, const std::string& file, Stack& out, Diagnostics& diags) {
    if (!root["services"] && !root["volumes"]) diags.error({file, 1, 1}, "", "the file defines neither services nor volumes");
    if (const YAML::Node e = root["expose"]; e && !e.IsNull()) {
        out.expose = scalarText(e);
        if (!out.service(out.expose)) {
            diags.error(positionOf(e, file), "expose", out.expose + " is not defined in the services array");
        }
    }
    if (const YAML::Node d = root["depends"]; d && !d.IsNull()) {
        if (!d.IsMap()) {
            diags.error(positionOf(d, file), "depends", "expected a mapping, got " + describe(d));
        } else {
            for (const auto& kv : d) {
                if (out.service(scalarText(kv.first))) {
                    diags.error(positionOf(kv.first, file), "depends." + scalarText(kv.first),
                                "a dependency cannot have the name of a service");
                }
            }
        }
    }
    for (const auto& s : out.services) {
        if (auto msg = checkInstanceNameLength(out.grid, out.name, s.spec.name, s.spec.instances)) {
            diags.error(s.pos, "services." + s.spec.name + ".instances", *msg);
        }
    }
}

}  // namespace

void readDocument(const YAML::Node& root, DocumentContext ctx, Stack& out, Diagnostics& diags) {
    if (!root.IsMap()) {
        diags.error(positionOf(root, ctx.file), "", "expected a mapping at the top of the file, got " + describe(root));
        return;
    }
    readHeader(root, ctx.file, out, diags);
    readVolumes(root, ctx, out, diags);
    readServices(root, ctx, out, diags);
    checkLinks(out, ctx.file, diags);
    checkVolumesFrom(out, ctx.file, diags);
    checkStack(root, ctx.file, out, diags);
}

}  // namespace kontena::stacks::detail
