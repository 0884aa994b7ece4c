#pragma once
// Value: the dynamic data of stack files — variable values, template data,
// rendered output. A small tree of nil, booleans, integers, floats, strings,
// lists and insertion-ordered maps.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kontena::stacks {

class Value {
public:
    enum class Kind { Nil, Bool, Int, Float, String, List, Map };

    Value() = default;
    static Value nil() { return {}; }
    static Value boolean(bool b);
    static Value integer(std::int64_t i);
    static Value number(double f);
    static Value string(std::string s);
    static Value list(std::vector<Value> items = {});
    static Value map();

    Kind kind() const { return kind_; }
    bool isNil() const { return kind_ == Kind::Nil; }
    bool isString() const { return kind_ == Kind::String; }
    bool isList() const { return kind_ == Kind::List; }
    bool isMap() const { return kind_ == Kind::Map; }
    bool isNumber() const { return kind_ == Kind::Int || kind_ == Kind::Float; }

    bool asBool() const { return b_; }
    std::int64_t asInt() const { return i_; }
    double asFloat() const { return kind_ == Kind::Int ? static_cast<double>(i_) : f_; }
    const std::string& asString() const { return s_; }
    const std::vector<Value>& items() const { return items_; }
    std::vector<Value>& items() { return items_; }
    const std::vector<std::string>& keys() const { return keys_; }

    // Map access. get() returns nullptr when the key is absent.
    const Value* get(const std::string& key) const;
    // Sets key (replacing an existing entry in place, else appending).
    void set(const std::string& key, Value v);
    void push(Value v) { items_.push_back(std::move(v)); }
    std::size_t size() const;

    // Liquid/Ruby-style text: nil -> "", 2.0 -> "2.0", lists concatenated.
    std::string toText() const;
    // Truthiness of templates: everything but nil and false.
    bool truthy() const { return !(kind_ == Kind::Nil || (kind_ == Kind::Bool && !b_)); }
    // Value equality across int/float; strings compare exactly.
    bool operator==(const Value& o) const;

private:
    Kind kind_ = Kind::Nil;
    bool b_ = false;
    std::int64_t i_ = 0;
    double f_ = 0;
    std::string s_;
    std::vector<Value> items_;          // list items, or map values
    std::vector<std::string> keys_;     // map keys, parallel to items_
};

// Ruby-like float text: shortest exact digits, always with a fraction
// ("256.0", "0.5"); "Infinity"/"NaN" for non-finite values.
std::string formatFloat(double f);

// Parse a whole string as a decimal integer / float; nullopt if it is not one.
std::optional<std::int64_t> parseInteger(const std::string& s);
std::optional<double> parseFloat(const std::string& s);

}  // namespace kontena::stacks
