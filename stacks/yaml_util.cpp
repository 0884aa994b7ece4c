#include "stacks/yaml_util.h"

#include <algorithm>
#include <cctype>

namespace kontena::stacks {
namespace {

constexpr int kMaxDepth = 64;

std::string lowerCopy(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool isInt(const std::string& s) {
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i >= s.size()) return false;
    return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool isFloat(const std::string& s) {
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    bool digits = false, dot = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digits = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else if ((c == 'e' || c == 'E') && digits && dot) {
            std::size_t j = i + 1;
            if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
            if (j >= s.size()) return false;
            return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(j), s.end(),
                               [](char d) { return std::isdigit(static_cast<unsigned char>(d)); });
        } else {
            return false;
        }
    }
    return digits && dot;
}

// budget: nodes still allowed; aliases can make a small text a huge tree.
Value toValueAt(const YAML::Node& node, int depth, long& budget) {
    if (depth > kMaxDepth || !node.IsDefined() || --budget < 0) return {};
    if (node.IsSequence()) {
        Value list = Value::list();
        for (const auto& item : node) list.push(toValueAt(item, depth + 1, budget));
        return list;
    }
    if (node.IsMap()) {
        Value map = Value::map();
        for (const auto& kv : node) {
            map.set(kv.first.IsScalar() ? kv.first.Scalar() : std::string("?"), toValueAt(kv.second, depth + 1, budget));
        }
        return map;
    }
    if (!node.IsScalar()) return {};
    const std::string& s = node.Scalar();
    switch (scalarType(node)) {
    case ScalarType::Null: return {};
    case ScalarType::Bool: {
        const std::string l = lowerCopy(s);
        return Value::boolean(l == "true" || l == "yes" || l == "on");
    }
    case ScalarType::Int:
        if (auto i = parseInteger(s)) return Value::integer(*i);
        return Value::string(s);
    case ScalarType::Float:
        if (auto f = parseFloat(s)) return Value::number(*f);
        return Value::string(s);
    case ScalarType::String: break;
    }
    return Value::string(s);
}

}  // namespace

ScalarType scalarType(const YAML::Node& node) {
    if (node.IsNull()) return ScalarType::Null;
    if (!node.IsScalar()) return ScalarType::String;
    if (node.Tag() == "!") return ScalarType::String;  // quoted
    const std::string& s = node.Scalar();
    if (s.empty() || s == "~") return ScalarType::Null;
    const std::string l = lowerCopy(s);
    if (l == "null") return ScalarType::Null;
    if (l == "true" || l == "false" || l == "yes" || l == "no" || l == "on" || l == "off") return ScalarType::Bool;
    if (isInt(s)) return ScalarType::Int;
    if (isFloat(s)) return ScalarType::Float;
    return ScalarType::String;
}

Value toValue(const YAML::Node& node) {
    long budget = 200000;
    return toValueAt(node, 0, budget);
}

std::string scalarText(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull() || !node.IsScalar()) return "";
    return node.Scalar();
}

SourcePos positionOf(const YAML::Node& node, const std::string& file) {
    SourcePos p{file, 0, 0};
    if (!node.IsDefined()) return p;
    const YAML::Mark m = node.Mark();
    if (m.line >= 0) {
        p.line = m.line + 1;
        p.column = m.column + 1;
    }
    return p;
}

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "null";
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a mapping";
    return quoteForMessage(node.Scalar());
}

bool parseYaml(const std::string& text, YAML::Node& out, std::string& error, int& line, int& column) {
    try {
        out = YAML::Load(text);
        return true;
    } catch (const YAML::Exception& e) {
        error = e.msg;
        line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
        column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
        return false;
    } catch (const std::exception& e) {
        error = e.what();
        line = column = 0;
        return false;
    }
}

namespace {
int depthWithin(const YAML::Node& node, int limit, long& budget) {
    if (limit <= 0 || !node.IsDefined() || --budget < 0) return 0;
    int deepest = 0;
    if (node.IsSequence()) {
        for (const auto& item : node) deepest = std::max(deepest, depthWithin(item, limit - 1, budget));
    } else if (node.IsMap()) {
        for (const auto& kv : node) deepest = std::max(deepest, depthWithin(kv.second, limit - 1, budget));
    }
    return deepest + 1;
}
}  // namespace

namespace {

bool mergeInto(YAML::Node& map, const YAML::Node& source) {
    if (!source.IsMap()) return false;
    const YAML::Node& view = map;
    for (const auto& kv : source) {
        const std::string key = scalarText(kv.first);
        if (key != "<<" && !view[key]) map[key] = kv.second;
    }
    return true;
}

bool mergeWalk(YAML::Node node, int depth, long& budget, std::string& error, int& line, int& column) {
    if (depth > kMaxDepth || --budget < 0) return true;
    if (node.IsSequence()) {
        for (auto item : node) {
            if (!mergeWalk(item, depth + 1, budget, error, line, column)) return false;
        }
        return true;
    }
    if (!node.IsMap()) return true;
    const YAML::Node& view = node;
    if (const YAML::Node merge = view["<<"]) {
        const YAML::Node sources = merge;
        node.remove("<<");
        bool ok = sources.IsSequence() ? true : mergeInto(node, sources);
        if (sources.IsSequence()) {
            for (const auto& s : sources) ok = ok && mergeInto(node, s);
        }
        if (!ok) {
            error = "the value of a merge key (<<) must be a mapping or a list of mappings";
            line = sources.Mark().line + 1;
            column = sources.Mark().column + 1;
            return false;
        }
    }
    for (auto kv : node) {
        if (!mergeWalk(kv.second, depth + 1, budget, error, line, column)) return false;
    }
    return true;
}

}  // namespace

bool applyMergeKeys(YAML::Node& root, std::string& error, int& line, int& column) {
    long budget = 200000;
    return mergeWalk(root, 0, budget, error, line, column);
}

int depthOf(const YAML::Node& node, int limit) {
    long budget = 200000;
    return depthWithin(node, limit, budget);
}

}  // namespace kontena::stacks
