#include "stacks/prepass.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "stacks/yaml_util.h"

namespace kontena::stacks::detail {
namespace {

// "key:" at column 0 -> "key"; anything else -> "".
std::string topLevelKey(const std::string& line) {
    if (line.empty() || !(std::isalpha(static_cast<unsigned char>(line[0])) || line[0] == '_' || line[0] == '"' || line[0] == '\'')) {
        return "";
    }
    std::size_t start = 0, end = 0;
    if (line[0] == '"' || line[0] == '\'') {
        end = line.find(line[0], 1);
        if (end == std::string::npos) return "";
        start = 1;
        if (line.compare(end + 1, 1, ":") != 0) return "";
        return line.substr(start, end - start);
    }
    while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_' || line[end] == '-' || line[end] == '.')) ++end;
    std::size_t colon = end;
    while (colon < line.size() && line[colon] == ' ') ++colon;
    if (colon >= line.size() || line[colon] != ':') return "";
    return line.substr(0, end);
}

bool startsBlockBoundary(const std::string& line) {
    if (line.empty()) return false;
    const char c = line[0];
    return !(c == ' ' || c == '\t' || c == '#' || c == '\r');
}

}  // namespace

std::string keepTopLevelBlocks(const std::string& text, const std::vector<std::string>& keys) {
    std::string out;
    out.reserve(text.size());
    bool keeping = false;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        const std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (startsBlockBoundary(line)) {
            const std::string key = topLevelKey(line);
            keeping = !key.empty() && std::find(keys.begin(), keys.end(), key) != keys.end();
        }
        if (keeping) out += line;
        if (nl == std::string::npos) break;
        out += '\n';
        pos = nl + 1;
    }
    return out;
}

std::string stackNamePart(const std::string& stackRef) {
    std::string s = stackRef;
    const std::size_t slash = s.rfind('/');
    if (slash != std::string::npos) s = s.substr(slash + 1);
    const std::size_t colon = s.find(':');
    if (colon != std::string::npos) s = s.substr(0, colon);
    return s;
}

Prepass runPrepass(const std::string& text, const std::string& file, const std::string& nameOverride,
                   const std::string& grid, const std::string& platform, Diagnostics& diags) {
    Prepass p;
    std::string blocks = keepTopLevelBlocks(text, {"stack", "variables", "depends"});
    YAML::Node root;
    std::string error;
    int line = 0, column = 0;
    if (blocks.find_first_not_of(" \t\r\n") == std::string::npos) {
        // No block-style top-level keys (a flow-style document, or none at
        // all): read the whole text if it is YAML already, else nothing.
        if (!parseYaml(text, root, error, line, column)) {
            p.ok = true;
            return p;
        }
        blocks = text;
    }
    if (!parseYaml(blocks, root, error, line, column)) {
        diags.error({file, line, column}, "", "invalid YAML: " + error);
        return p;
    }
    if (root.IsMap() && root["stack"] && root["stack"].IsScalar()) p.stackRef = root["stack"].Scalar();
    const std::string name = nameOverride.empty() ? stackNamePart(p.stackRef) : nameOverride;
    const std::map<std::string, Value> builtins = {
        {"STACK", Value::string(name)}, {"GRID", Value::string(grid)}, {"PLATFORM", Value::string(platform)}};
    const std::string substituted = substituteKnown(blocks, [&](const std::string& n) -> const Value* {
        auto it = builtins.find(n);
        return it == builtins.end() ? nullptr : &it->second;
    });
    if (!parseYaml(substituted, root, error, line, column)) {
        diags.error({file, line, column}, "", "invalid YAML: " + error);
        return p;
    }
    if (root.IsMap()) {
        p.variables = root["variables"];
        p.depends = root["depends"];
    }
    p.ok = true;
    return p;
}

}  // namespace kontena::stacks::detail
