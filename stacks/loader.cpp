// The stack file pipeline (see loader.h): prepass, variables, template,
// interpolation, YAML, document, child stacks.
#include "stacks/loader.h"

#include <memory>
#include <set>

#include "stacks/document.h"
#include "stacks/interpolation.h"
#include "stacks/liquid.h"
#include "stacks/prepass.h"
#include "stacks/variables.h"
#include "stacks/yaml_util.h"

namespace kontena::stacks {

const StackService* Stack::service(const std::string& serviceName) const {
    for (const auto& s : services) {
        if (s.spec.name == serviceName) return &s;
    }
    return nullptr;
}

namespace {

constexpr std::size_t kMaxText = 4u << 20;
constexpr std::size_t kMaxVariables = 1000;
constexpr int kMaxChildDepth = 16;
// Child stacks in one load, all levels together: depth alone does not bound
// the work (three children each, 16 levels deep, is 43 million stacks).
constexpr int kMaxStacksPerLoad = 256;
constexpr int kMaxYamlDepth = 100;

// A dependency named in `depends`.
struct Dependency {
    std::string name;
    std::string ref;                 // file path or registry reference
    Value variables = Value::map();
    SourcePos pos;
};

std::vector<Dependency> readDependencies(const YAML::Node& node, const std::string& file, Diagnostics& diags) {
    std::vector<Dependency> deps;
    if (!node.IsDefined() || node.IsNull()) return deps;
    if (!node.IsMap()) return deps;  // reported with the document
    for (const auto& kv : node) {
        Dependency d;
        d.name = scalarText(kv.first);
        d.pos = positionOf(kv.second, file);
        const std::string path = "depends." + d.name;
        if (!kv.second.IsMap() || !kv.second["stack"] || !kv.second["stack"].IsScalar()) {
            diags.error(d.pos, path, "expected {stack: <file or registry stack>, variables: {...}}, got " + describe(kv.second));
            continue;
        }
        d.ref = kv.second["stack"].Scalar();
        if (const YAML::Node vars = kv.second["variables"]; vars && vars.IsMap()) d.variables = toValue(vars);
        else if (vars && !vars.IsNull()) diags.error(positionOf(vars, file), path + ".variables", "expected a mapping, got " + describe(vars));
        deps.push_back(std::move(d));
    }
    return deps;
}

bool looksLikeFile(const std::string& ref) {
    auto endsWith = [&](const char* s) {
        const std::string suffix = s;
        return ref.size() >= suffix.size() && ref.compare(ref.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return endsWith(".yml") || endsWith(".yaml") || ref.rfind("./", 0) == 0 || ref.rfind("../", 0) == 0 ||
           ref.rfind("/", 0) == 0;
}

// "a/./b/../c.yml" -> "a/c.yml": identity of files for cycle detection.
std::string normalizePath(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    const bool absolute = !path.empty() && path.front() == '/';
    while (pos <= path.size()) {
        std::size_t slash = path.find('/', pos);
        const std::string part = path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..") parts.pop_back();
            else if (!absolute) parts.push_back(part);
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        if (slash == std::string::npos) break;
        pos = slash + 1;
    }
    std::string out = absolute ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
    return out.empty() ? "." : out;
}

std::string registryIdentity(const std::string& ref) { return "registry:" + ref.substr(0, ref.find(':')); }

// One load of a stack tree; children share the options and the chain.
class Loader {
public:
    explicit Loader(const LoadOptions& options) : opts_(options) {
        if (!opts_.files) opts_.files = &disk_;
        if (!opts_.registry) opts_.registry = &noRegistry_;
        if (!opts_.environment) opts_.environment = &processEnv_;
        if (!opts_.backend) opts_.backend = &offline_;
        if (opts_.platform.empty()) opts_.platform = opts_.grid;
        rng_ = std::make_unique<Rng>(opts_.seed);
    }

    struct Request {
        std::string text;
        std::string file;
        std::string identity;
        std::string name;                      // "" -> from `stack:`
        std::string parent;
        std::map<std::string, Value> given;
        std::vector<std::string> chain;        // identities of the ancestors
    };

    // Loads one stack and its children; their findings are added to `diags`.
    std::optional<Stack> load(const Request& req, Diagnostics& diags) {
        Diagnostics own;  // so a parent's errors never cut a child's checks short
        std::optional<Stack> out = loadOwn(req, own);
        diags.append(own);
        return out;
    }

private:
    struct Rendered {
        bool ok = false;
        YAML::Node root;
        std::map<std::string, Value> values;   // variables + built-ins
    };

    std::optional<Stack> loadOwn(const Request& req, Diagnostics& diags);
    std::map<std::string, Value> builtinsFor(const Request& req, const std::string& name,
                                             const std::vector<Dependency>& deps) const;
    // The text after template and interpolation; `lineMap` (optional) gets
    // the template's output-line -> source-line map.
    std::optional<std::string> renderText(const std::string& text, const std::string& file,
                                          const std::map<std::string, Value>& values,
                                          const std::map<std::string, Value>& envExports, Diagnostics& diags,
                                          TemplateResult* lineMap = nullptr);
    std::optional<YAML::Node> parseRendered(const std::string& text, const std::string& file, Diagnostics& diags);
    detail::ExtendsContext extendsContext(const std::map<std::string, Value>& values,
                                          const std::map<std::string, Value>& envExports, Diagnostics& diags);
    void loadChildren(const Request& req, const std::vector<Dependency>& deps, Stack& out, Diagnostics& diags);
    std::optional<Request> childRequest(const Request& parent, const Stack& parentStack, const Dependency& dep,
                                        Diagnostics& diags);

    LoadOptions opts_;
    DiskFiles disk_;
    NoRegistry noRegistry_;
    ProcessEnvironment processEnv_;
    OfflineBackend offline_;
    std::unique_ptr<Rng> rng_;
    int stacksLoaded_ = 0;
};

std::map<std::string, Value> Loader::builtinsFor(const Request& req, const std::string& name,
                                                 const std::vector<Dependency>& deps) const {
    std::map<std::string, Value> b = {{"STACK", Value::string(name)},
                                      {"GRID", Value::string(opts_.grid)},
                                      {"PLATFORM", Value::string(opts_.platform)}};
    if (!req.parent.empty()) b["PARENT_STACK"] = Value::string(req.parent);
    for (const auto& d : deps) b[d.name] = Value::string(name + "-" + d.name);
    return b;
}

std::optional<std::string> Loader::renderText(const std::string& text, const std::string& file,
                                              const std::map<std::string, Value>& values,
                                              const std::map<std::string, Value>& envExports, Diagnostics& diags,
                                              TemplateResult* lineMap) {
    TemplateResult rendered = renderTemplate(text, values);
    for (const auto& e : rendered.errors) diags.error({file, e.line, e.column}, "", "template: " + e.message);
    if (!rendered.ok()) return std::nullopt;
    InterpolationResult interpolated = interpolateVariables(rendered.output, [&](const std::string& n) -> const Value* {
        if (auto it = values.find(n); it != values.end()) return &it->second;
        if (auto it = envExports.find(n); it != envExports.end()) return &it->second;
        return nullptr;
    });
    // Interpolation keeps lines: its positions map through the template's.
    for (const auto& w : interpolated.warnings) {
        diags.warning({file, rendered.sourceLine(w.line), w.column}, "", w.message);
    }
    for (const auto& e : interpolated.errors) {
        const int line = rendered.sourceLine(e.line);
        diags.error({file, line, e.column}, "", e.message + " in " + file + ":" + std::to_string(line));
    }
    if (lineMap) lineMap->lineBreaks = std::move(rendered.lineBreaks);
    if (!interpolated.errors.empty()) return std::nullopt;
    return escapeDollars(interpolated.text);
}

std::optional<YAML::Node> Loader::parseRendered(const std::string& text, const std::string& file, Diagnostics& diags) {
    YAML::Node root;
    std::string error;
    int line = 0, column = 0;
    if (!parseYaml(text, root, error, line, column)) {
        diags.error({file, line, column}, "", "invalid YAML: " + error);
        return std::nullopt;
    }
    if (!applyMergeKeys(root, error, line, column)) {
        diags.error({file, line, column}, "", error);
        return std::nullopt;
    }
    if (depthOf(root, kMaxYamlDepth + 1) > kMaxYamlDepth) {
        diags.error({file, 1, 1}, "", "the document is nested deeper than 100 levels");
        return std::nullopt;
    }
    return root;
}

detail::ExtendsContext Loader::extendsContext(const std::map<std::string, Value>& values,
                                              const std::map<std::string, Value>& envExports, Diagnostics& diags) {
    detail::ExtendsContext ctx;
    auto fromText = [this, values, envExports, &diags](const std::string& text, const std::string& file)
        -> std::optional<detail::ServiceSource> {
        auto rendered = renderText(text, file, values, envExports, diags);
        if (!rendered) return std::nullopt;
        auto root = parseRendered(*rendered, file, diags);
        if (!root) return std::nullopt;
        return detail::ServiceSource{file, detail::servicesOf(*root)};
    };
    ctx.loadFile = [this, fromText](const std::string& fromFile, const std::string& name) -> std::optional<detail::ServiceSource> {
        const std::string path = joinPath(directoryOf(fromFile), name);
        auto text = opts_.files->read(path);
        if (!text || text->size() > kMaxText) return std::nullopt;
        return fromText(*text, path);
    };
    ctx.loadStack = [this, fromText](const std::string& ref) -> std::optional<detail::ServiceSource> {
        auto text = opts_.registry->fetch(ref);
        if (!text || text->size() > kMaxText) return std::nullopt;
        return fromText(*text, ref);
    };
    return ctx;
}

std::optional<Stack> Loader::loadOwn(const Request& req, Diagnostics& diags) {
    if (req.text.size() > kMaxText) {
        diags.error({req.file, 0, 0}, "", "the file is larger than 4 MiB");
        return std::nullopt;
    }
    detail::Prepass pre = detail::runPrepass(req.text, req.file, req.name, opts_.grid, opts_.platform, diags);
    if (!pre.ok) return std::nullopt;
    Stack out;
    out.file = req.file;
    out.name = req.name.empty() ? detail::stackNamePart(pre.stackRef) : req.name;
    out.parent = req.parent;
    out.grid = opts_.grid;
    const std::vector<Dependency> deps = readDependencies(pre.depends, req.file, diags);

    ResolveContext rctx;
    rctx.file = req.file;
    rctx.stackName = out.name;
    rctx.builtins = builtinsFor(req, out.name, deps);
    rctx.given = req.given;
    rctx.placeholders = opts_.placeholders;
    rctx.backend = opts_.backend;
    rctx.environment = opts_.environment;
    rctx.files = opts_.files;
    rctx.rng = rng_.get();
    std::vector<VariableDef> defs = parseVariableDefs(pre.variables, req.file, diags);
    if (defs.size() > kMaxVariables) {
        diags.error({req.file, 0, 0}, "variables", "more than 1000 variables");
        return std::nullopt;
    }
    ResolvedVariables resolved = resolveVariables(defs, rctx, diags);
    out.vaultWrites = resolved.vaultWrites;
    for (const auto& d : defs) {
        if (!resolved.vaultBacked.count(d.name)) out.variables.set(d.name, resolved.values[d.name]);
    }
    std::map<std::string, Value> values = rctx.builtins;
    for (const auto& [k, v] : resolved.values) values[k] = v;
    if (diags.hasErrors()) return out;  // rendering with missing values would only add noise

    TemplateResult lineMap;
    auto text = renderText(req.text, req.file, values, resolved.envExports, diags, &lineMap);
    if (!text) return out;
    // YAML positions are in the rendered text: map them back to the file.
    const std::size_t mark = diags.items().size();
    auto root = parseRendered(*text, req.file, diags);
    if (root) {
        detail::DocumentContext dctx{req.file, values, opts_.files, extendsContext(values, resolved.envExports, diags)};
        detail::readDocument(*root, dctx, out, diags);
    }
    diags.remapLines(mark, req.file, [&](int line) { return lineMap.sourceLine(line); });
    if (!root) return out;
    // Children get the `depends` of the rendered document, whose variables
    // may use the parent's variables; the names were known from the prepass.
    Diagnostics ignored;  // the prepass already reported these entries
    const YAML::Node& view = *root;
    const std::vector<Dependency> rendered = view.IsMap() ? readDependencies(view["depends"], req.file, ignored) : deps;
    loadChildren(req, rendered.size() == deps.size() ? rendered : deps, out, diags);
    return out;
}

std::optional<Loader::Request> Loader::childRequest(const Request& parent, const Stack& parentStack,
                                                    const Dependency& dep, Diagnostics& diags) {
    const std::string path = "depends." + dep.name + ".stack";
    Request child;
    child.parent = parentStack.name;
    child.name = parentStack.name + "-" + dep.name;
    child.chain = parent.chain;
    child.chain.push_back(parent.identity);
    std::optional<std::string> text;
    if (looksLikeFile(dep.ref)) {
        child.file = joinPath(directoryOf(parent.file), dep.ref);
        child.identity = normalizePath(child.file);
        text = opts_.files->read(child.file);
    } else {
        child.file = dep.ref;
        child.identity = registryIdentity(dep.ref);
        text = opts_.registry->fetch(dep.ref);
    }
    for (const auto& ancestor : child.chain) {
        if (ancestor == child.identity) {
            std::string cycle;
            for (const auto& a : child.chain) cycle += a + " -> ";
            diags.error(dep.pos, path, "dependency cycle: " + cycle + child.identity);
            return std::nullopt;
        }
    }
    if (!text) {
        diags.error(dep.pos, path, looksLikeFile(dep.ref) ? "cannot read stack file '" + child.file + "'"
                                                          : "cannot fetch stack '" + dep.ref + "' from the registry");
        return std::nullopt;
    }
    child.text = std::move(*text);
    for (std::size_t i = 0; i < dep.variables.keys().size(); ++i) child.given[dep.variables.keys()[i]] = dep.variables.items()[i];
    const std::string prefix = dep.name + ".";
    for (const auto& [key, value] : parent.given) {
        if (key.rfind(prefix, 0) == 0) child.given[key.substr(prefix.size())] = value;
    }
    return child;
}

void Loader::loadChildren(const Request& req, const std::vector<Dependency>& deps, Stack& out, Diagnostics& diags) {
    if (deps.empty()) return;
    if (static_cast<int>(req.chain.size()) >= kMaxChildDepth) {
        diags.error({req.file, 0, 0}, "depends", "child stacks nested deeper than 16 levels");
        return;
    }
    for (const auto& dep : deps) {
        if (++stacksLoaded_ > kMaxStacksPerLoad) {
            diags.error(dep.pos, "depends", "more than " + std::to_string(kMaxStacksPerLoad) + " child stacks in one stack file tree");
            return;
        }
        auto child = childRequest(req, out, dep, diags);
        if (!child) continue;
        if (auto stack = load(*child, diags)) {
            out.dependencies.push_back(std::move(*stack));
            out.dependencyNames.push_back(dep.name);
        }
    }
}

}  // namespace

LoadResult loadStackText(const std::string& text, const std::string& file, const LoadOptions& options) {
    LoadResult result;
    Loader loader(options);
    Loader::Request req;
    req.text = text;
    req.file = file;
    req.identity = normalizePath(file);
    req.name = options.name;
    req.parent = options.parent;
    for (const auto& [key, value] : options.values) req.given[key] = value;
    result.stack = loader.load(req, result.diagnostics);
    return result;
}

LoadResult loadStackFile(const std::string& path, const LoadOptions& options) {
    DiskFiles disk;
    FileSource* files = options.files ? options.files : &disk;
    auto text = files->read(path);
    if (!text) {
        LoadResult result;
        result.diagnostics.error({path, 0, 0}, "", "cannot read the file");
        return result;
    }
    return loadStackText(*text, path, options);
}

}  // namespace kontena::stacks
