#include "stacks/value.h"

#include <charconv>
#include <cmath>

namespace kontena::stacks {

Value Value::boolean(bool b) {
    Value v;
    v.kind_ = Kind::Bool;
    v.b_ = b;
    return v;
}

Value Value::integer(std::int64_t i) {
    Value v;
    v.kind_ = Kind::Int;
    v.i_ = i;
    return v;
}

Value Value::number(double f) {
    Value v;
    v.kind_ = Kind::Float;
    v.f_ = f;
    return v;
}

Value Value::string(std::string s) {
    Value v;
    v.kind_ = Kind::String;
    v.s_ = std::move(s);
    return v;
}

Value Value::list(std::vector<Value> items) {
    Value v;
    v.kind_ = Kind::List;
    v.items_ = std::move(items);
    return v;
}

Value Value::map() {
    Value v;
    v.kind_ = Kind::Map;
    return v;
}

const Value* Value::get(const std::string& key) const {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i] == key) return &items_[i];
    }
    return nullptr;
}

void Value::set(const std::string& key, Value v) {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i] == key) {
            items_[i] = std::move(v);
            return;
        }
    }
    keys_.push_back(key);
    items_.push_back(std::move(v));
}

std::size_t Value::size() const {
    if (kind_ == Kind::String) return s_.size();
    return items_.size();
}

std::string formatFloat(double f) {
    if (std::isnan(f)) return "NaN";
    if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, f);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::string Value::toText() const {
    switch (kind_) {
    case Kind::Nil: return "";
    case Kind::Bool: return b_ ? "true" : "false";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: return formatFloat(f_);
    case Kind::String: return s_;
    case Kind::List:
    case Kind::Map: break;
    }
    std::string out;
    for (const auto& item : items_) out += item.toText();
    return out;
}

bool Value::operator==(const Value& o) const {
    if (isNumber() && o.isNumber()) {
        if (kind_ == Kind::Int && o.kind_ == Kind::Int) return i_ == o.i_;
        return asFloat() == o.asFloat();
    }
    if (kind_ != o.kind_) return false;
    switch (kind_) {
    case Kind::Nil: return true;
    case Kind::Bool: return b_ == o.b_;
    case Kind::String: return s_ == o.s_;
    default: return keys_ == o.keys_ && items_ == o.items_;
    }
}

std::optional<std::int64_t> parseInteger(const std::string& s) {
    if (s.empty()) return std::nullopt;
    const char* begin = s.data();
    if (*begin == '+') ++begin;
    std::int64_t v = 0;
    auto res = std::from_chars(begin, s.data() + s.size(), v);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> parseFloat(const std::string& s) {
    if (s.empty()) return std::nullopt;
    const char* begin = s.data();
    if (*begin == '+') ++begin;
    double v = 0;
    auto res = std::from_chars(begin, s.data() + s.size(), v, std::chars_format::general);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace kontena::stacks
