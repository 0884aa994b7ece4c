#include "stacks/values_file.h"

#include "stacks/yaml_util.h"

namespace kontena::stacks {

Result<std::map<std::string, Value>> parseValuesFile(const std::string& text) {
    YAML::Node root;
    std::string error;
    int line = 0, column = 0;
    if (!parseYaml(text, root, error, line, column)) {
        return Error{std::to_string(line) + ":" + std::to_string(column) + ": invalid YAML: " + error};
    }
    std::map<std::string, Value> out;
    if (root.IsNull()) return out;
    if (!root.IsMap()) return Error{"expected a mapping of variable names to values"};
    const Value all = toValue(root);
    for (std::size_t i = 0; i < all.keys().size(); ++i) {
        const Value& v = all.items()[i];
        if (v.isMap()) {
            for (std::size_t j = 0; j < v.keys().size(); ++j) out[all.keys()[i] + "." + v.keys()[j]] = v.items()[j];
        } else {
            out[all.keys()[i]] = v;
        }
    }
    return out;
}

Result<std::pair<std::string, Value>> parseValueAssignment(const std::string& text) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) return Error{"expected KEY=VALUE, got \"" + text + "\""};
    return std::make_pair(text.substr(0, eq), Value::string(text.substr(eq + 1)));
}

}  // namespace kontena::stacks
