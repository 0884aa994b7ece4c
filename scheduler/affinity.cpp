#include "scheduler/affinity.h"

namespace kontena {

bool AffinityRule::valueMatches(const std::string& candidate) const {
    if (regex) return std::regex_search(candidate, *regex);
    return candidate == value;
}

std::string substituteInstanceNumber(const std::string& rule, int instanceNumber) {
    std::string out;
    out.reserve(rule.size() + 4);
    for (std::size_t i = 0; i < rule.size(); ++i) {
        if (rule[i] == '%' && i + 1 < rule.size()) {
            const char c = rule[i + 1];
            if (c == 's' || c == 'd' || c == 'i') {
                out += std::to_string(instanceNumber);
                ++i;
                continue;
            }
            if (c == '%') {
                out += '%';
                ++i;
                continue;
            }
        }
        out += rule[i];
    }
    return out;
}

bool hasInstancePlaceholder(const std::string& rule) {
    for (std::size_t i = 0; i + 1 < rule.size(); ++i) {
        if (rule[i] == '%') {
            const char c = rule[i + 1];
            if (c == 's' || c == 'd' || c == 'i') return true;
            if (c == '%') ++i;
        }
    }
    return false;
}

namespace {

// Position of the last "==" or "!=" (greedy split on the last operator).
std::size_t lastOperator(const std::string& rule) {
    const std::size_t eq = rule.rfind("==");
    const std::size_t ne = rule.rfind("!=");
    if (eq == std::string::npos) return ne;
    if (ne == std::string::npos) return eq;
    return std::max(eq, ne);
}

}  // namespace

Result<AffinityRule> parseAffinityRule(const std::string& rule) {
    const std::size_t pos = lastOperator(rule);
    if (pos == std::string::npos) return Error{"Invalid affinity filter: " + rule};
    AffinityRule r;
    r.text = rule;
    const std::string key = rule.substr(0, pos);
    r.op = rule[pos] == '=' ? AffinityOp::Eq : AffinityOp::Ne;
    std::string value = rule.substr(pos + 2);
    if (!value.empty() && value.front() == '~') {
        r.soft = true;
        value.erase(0, 1);
    }
    if (key == "node") r.key = AffinityKey::Node;
    else if (key == "label") r.key = AffinityKey::Label;
    else if (key == "service") r.key = AffinityKey::Service;
    else if (key == "container") r.key = AffinityKey::Container;
    else return Error{"Unknown affinity filter: " + key};
    r.value = value;
    if (value.size() >= 2 && value.front() == '/' && value.back() == '/') {
        const std::string source = value.substr(1, value.size() - 2);
        try {
            r.regex = std::make_shared<const std::regex>(source, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            return Error{"Invalid regex in affinity filter: " + rule};
        }
        r.value = source;
        r.regexHasStackSeparator = source.find("\\/") != std::string::npos;
    }
    return r;
}

Result<std::vector<AffinityRule>> parseAffinityRules(const std::vector<std::string>& rules, int instanceNumber) {
    std::vector<AffinityRule> out;
    out.reserve(rules.size());
    for (const auto& text : rules) {
        auto parsed = parseAffinityRule(substituteInstanceNumber(text, instanceNumber));
        if (!parsed) return parsed.error();
        out.push_back(std::move(parsed).value());
    }
    return out;
}

}  // namespace kontena
