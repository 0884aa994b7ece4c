#pragma once
// Affinity rules (reference §4.6): "<key><op>[~]<value>", e.g.
// "label==az=a", "node!=/^node-(2|3)$/", "service==~redis", "container==db-%i".

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "scheduler/result.h"

namespace kontena {

enum class AffinityKey { Node, Label, Service, Container };
enum class AffinityOp { Eq, Ne };

struct AffinityRule {
    std::string text;          // the rule after %i substitution, as written
    AffinityKey key = AffinityKey::Label;
    AffinityOp op = AffinityOp::Eq;
    bool soft = false;         // "~" after the operator
    std::string value;         // the literal value, or the regex source
    std::shared_ptr<const std::regex> regex;  // set when value was /.../
    bool regexHasStackSeparator = false;      // the regex contains "\/"

    bool isRegex() const { return regex != nullptr; }
    // Does `candidate` match the value (exactly, or by an unanchored regex search)?
    bool valueMatches(const std::string& candidate) const;
};

// Replaces %s, %d and %i by the instance number and %% by a literal %.
std::string substituteInstanceNumber(const std::string& rule, int instanceNumber);

// True when the rule text contains an instance-number placeholder.
bool hasInstancePlaceholder(const std::string& rule);

// Parses one rule (after substitution). Errors: "Invalid affinity filter: <rule>"
// (no == or !=), "Unknown affinity filter: <key>", "Invalid regex in affinity
// filter: <rule>".
Result<AffinityRule> parseAffinityRule(const std::string& rule);

// Parses every rule of a service for one instance number; the first error wins.
Result<std::vector<AffinityRule>> parseAffinityRules(const std::vector<std::string>& rules, int instanceNumber);

}  // namespace kontena
