// Variable types: conversion, transformations, validation, placeholders.
#include <algorithm>
#include <cctype>

#include "stacks/digest.h"
#include "stacks/variables.h"

namespace kontena::stacks {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string strip(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

bool flag(const VariableDef& def, const std::string& key, bool fallback) {
    const Value* v = def.option(key);
    if (!v || v->isNil()) return fallback;
    if (v->kind() == Value::Kind::Bool) return v->asBool();
    return conditionTruthy(*v);
}

std::optional<std::int64_t> intOption(const VariableDef& def, const std::string& key) {
    const Value* v = def.option(key);
    if (!v) return std::nullopt;
    if (v->kind() == Value::Kind::Int) return v->asInt();
    return parseInteger(v->toText());
}

Error expected(const std::string& what, const Value& got) {
    return Error{"expected " + what + ", got " + quoteForMessage(got.toText())};
}

Result<Value> stringTransforms(const VariableDef& def, std::string s) {
    if (flag(def, "strip", false)) s = strip(s);
    if (flag(def, "chomp", false)) {
        if (!s.empty() && s.back() == '\n') s.pop_back();
        if (!s.empty() && s.back() == '\r') s.pop_back();
    }
    if (flag(def, "upcase", false)) s = upper(s);
    if (flag(def, "downcase", false)) s = lower(s);
    if (flag(def, "capitalize", false) && !s.empty()) {
        s = lower(s);
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    }
    if (flag(def, "encode_64", false)) s = base64Encode(s);
    if (flag(def, "decode_64", false)) {
        auto d = base64Decode(s);
        if (!d) return Error{"value is not valid base64"};
        s = *d;
    }
    if (const Value* h = def.option("hexdigest"); h && !h->isNil()) {
        auto d = hexDigest(lower(h->toText()), s);
        if (!d) return Error{"hexdigest must be one of md5, sha1, sha256, sha384, sha512, got " + quoteForMessage(h->toText())};
        s = *d;
    }
    return Value::string(s);
}

Result<Value> coerceString(const VariableDef& def, const Value& raw) {
    if (raw.isNil()) return Value();
    if (raw.isList() || raw.isMap()) return Error{"expected a string, got " + std::string(raw.isList() ? "a list" : "a mapping")};
    Result<Value> r = stringTransforms(def, raw.toText());
    if (!r.ok()) return r;
    const std::string& s = r.value().asString();
    if (s.empty() && flag(def, "empty_is_nil", true)) return Value();
    if (auto min = intOption(def, "min_length"); min && static_cast<std::int64_t>(s.size()) < *min) {
        return Error{"must be at least " + std::to_string(*min) + " characters long, got " + std::to_string(s.size())};
    }
    if (auto max = intOption(def, "max_length"); max && static_cast<std::int64_t>(s.size()) > *max) {
        return Error{"must be at most " + std::to_string(*max) + " characters long, got " + std::to_string(s.size())};
    }
    return r;
}

Result<Value> coerceInteger(const VariableDef& def, const Value& raw) {
    Value v = raw;
    if (v.isString() && strip(v.asString()).empty()) v = Value();
    if (v.isNil()) return flag(def, "nil_is_zero", false) ? Value::integer(0) : Value();
    std::int64_t n = 0;
    if (v.kind() == Value::Kind::Int) {
        n = v.asInt();
    } else if (v.kind() == Value::Kind::Float && v.asFloat() > -9e18 && v.asFloat() < 9e18) {
        n = static_cast<std::int64_t>(v.asFloat());
    } else if (auto i = v.isString() ? parseInteger(strip(v.asString())) : std::nullopt) {
        n = *i;
    } else {
        return expected("an integer", v);
    }
    if (auto min = intOption(def, "min"); min && n < *min) {
        return Error{"must be at least " + std::to_string(*min) + ", got " + std::to_string(n)};
    }
    if (auto max = intOption(def, "max"); max && n > *max) {
        return Error{"must be at most " + std::to_string(*max) + ", got " + std::to_string(n)};
    }
    return Value::integer(n);
}

bool isTruthyText(const VariableDef& def, const std::string& text) {
    std::vector<std::string> truthy = {"true", "yes", "1", "on", "enabled", "enable"};
    if (const Value* t = def.option("truthy"); t && t->isList()) {
        truthy.clear();
        for (const auto& item : t->items()) truthy.push_back(lower(item.toText()));
    }
    return std::find(truthy.begin(), truthy.end(), lower(strip(text))) != truthy.end();
}

Value booleanOutput(const VariableDef& def, bool b) {
    const Value* as = def.option("as");
    const std::string mode = as ? lower(as->toText()) : "boolean";
    if (mode == "string") {
        const Value* custom = def.option(b ? "true" : "false");
        return Value::string(custom ? custom->toText() : (b ? "true" : "false"));
    }
    if (mode == "integer") return Value::integer(b ? 1 : 0);
    return Value::boolean(b);
}

Result<Value> coerceBoolean(const VariableDef& def, const Value& raw) {
    bool b = false;
    if (raw.isNil()) {
        b = flag(def, "nil_is", false);
    } else if (raw.kind() == Value::Kind::Bool) {
        b = raw.asBool();
    } else if (raw.isString() && strip(raw.asString()).empty()) {
        b = flag(def, "blank_is", false);
    } else if (raw.isList() || raw.isMap()) {
        return expected("a boolean", raw);
    } else {
        b = isTruthyText(def, raw.toText());
    }
    return booleanOutput(def, b);
}

std::vector<std::string> enumValues(const VariableDef& def) {
    std::vector<std::string> out;
    if (const Value* opts = def.option("options"); opts && opts->isList()) {
        for (const auto& o : opts->items()) {
            const Value* v = o.isMap() ? o.get("value") : &o;
            if (v) out.push_back(v->toText());
        }
    }
    return out;
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
}

Result<Value> coerceEnum(const VariableDef& def, const Value& raw) {
    if (raw.isNil()) return Value();
    const std::vector<std::string> values = enumValues(def);
    const std::string text = raw.toText();
    if (std::find(values.begin(), values.end(), text) == values.end()) {
        return expected("one of " + joinNames(values), raw);
    }
    return Value::string(text);
}

std::vector<std::string> uriSchemes(const VariableDef& def) {
    std::vector<std::string> schemes;
    if (const Value* s = def.option("schemes"); s && s->isList()) {
        for (const auto& item : s->items()) schemes.push_back(lower(item.toText()));
    }
    if (schemes.empty()) schemes = {"http", "https"};
    return schemes;
}

Result<Value> coerceUri(const VariableDef& def, const Value& raw) {
    if (raw.isNil() || (raw.isString() && raw.asString().empty())) return Value();
    const std::string text = strip(raw.toText());
    const std::size_t sep = text.find("://");
    const auto schemes = uriSchemes(def);
    if (sep == std::string::npos || sep == 0 || sep + 3 >= text.size()) return expected("a URI like scheme://host", raw);
    const std::string scheme = lower(text.substr(0, sep));
    if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) {
        return Error{"URI scheme must be one of " + joinNames(schemes) + ", got " + quoteForMessage(scheme)};
    }
    return Value::string(text);
}

std::vector<Value> splitText(const std::string& text, const std::string& sep) {
    std::vector<Value> out;
    if (sep.empty()) {
        out.push_back(Value::string(strip(text)));
        return out;
    }
    std::size_t pos = 0;
    for (;;) {
        std::size_t hit = text.find(sep, pos);
        out.push_back(Value::string(strip(text.substr(pos, hit == std::string::npos ? std::string::npos : hit - pos))));
        if (hit == std::string::npos) break;
        pos = hit + sep.size();
    }
    return out;
}

Result<Value> coerceArray(const VariableDef& def, const Value& raw) {
    if (raw.isNil()) return Value();
    const Value* splitOpt = def.option("split");
    const std::string sep = splitOpt ? splitOpt->toText() : ",";
    std::vector<Value> items;
    if (raw.isList()) {
        items = raw.items();
    } else if (raw.isMap()) {
        return expected("a list", raw);
    } else if (!raw.toText().empty()) {
        items = splitText(raw.toText(), sep);
    }
    if (flag(def, "compact", false)) {
        items.erase(std::remove_if(items.begin(), items.end(), [](const Value& v) { return v.toText().empty(); }),
                    items.end());
    }
    if (flag(def, "uniq", false)) {
        std::vector<Value> unique;
        for (auto& v : items) {
            if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
        }
        items = std::move(unique);
    }
    if (flag(def, "sort", false)) {
        std::stable_sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return a.toText() < b.toText(); });
    }
    if (items.empty() && flag(def, "empty_is_nil", false)) return Value();
    if (flag(def, "count", false)) return Value::integer(static_cast<std::int64_t>(items.size()));
    if (const Value* j = def.option("join"); j && !j->isNil() && !(j->kind() == Value::Kind::Bool && !j->asBool())) {
        const std::string glue = j->kind() == Value::Kind::Bool ? sep : j->toText();
        std::string out;
        for (std::size_t i = 0; i < items.size(); ++i) out += (i ? glue : "") + items[i].toText();
        return Value::string(out);
    }
    return Value::list(std::move(items));
}

Result<Value> checkIn(const VariableDef& def, Result<Value> r) {
    const Value* in = def.option("in");
    if (!r.ok() || !in || !in->isList() || r.value().isNil()) return r;
    for (const auto& allowed : in->items()) {
        if (allowed.toText() == r.value().toText()) return r;
    }
    std::vector<std::string> names;
    for (const auto& allowed : in->items()) names.push_back(allowed.toText());
    return expected("one of " + joinNames(names), r.value());
}

}  // namespace

Result<Value> coerceVariable(const VariableDef& def, const Value& raw) {
    switch (def.type) {
    case VariableType::String: return checkIn(def, coerceString(def, raw));
    case VariableType::Integer: return checkIn(def, coerceInteger(def, raw));
    case VariableType::Boolean: return coerceBoolean(def, raw);
    case VariableType::Enum: return coerceEnum(def, raw);
    case VariableType::Uri: return checkIn(def, coerceUri(def, raw));
    case VariableType::Array: return coerceArray(def, raw);
    }
    return Value();
}

namespace {

std::string placeholderString(const VariableDef& def) {
    for (const auto& [resolver, hint] : def.from) {
        if (resolver == "service_link") {
            const Value* name = hint.isMap() ? hint.get("name") : nullptr;
            return "placeholder-stack/" + (name && !name->toText().empty() ? name->toText() : std::string("placeholder-service"));
        }
    }
    std::string s = "placeholder";
    if (auto min = intOption(def, "min_length"); min && *min > 0 && *min <= 4096) {
        while (static_cast<std::int64_t>(s.size()) < *min) s += 'x';
    }
    if (auto max = intOption(def, "max_length"); max && *max >= 0 && static_cast<std::int64_t>(s.size()) > *max) {
        s.resize(static_cast<std::size_t>(*max));
    }
    return s;
}

}  // namespace

Value placeholderFor(const VariableDef& def) {
    if (const Value* in = def.option("in"); in && in->isList() && !in->items().empty()) {
        const Value& first = in->items().front();
        if (def.type == VariableType::Integer) return Value::integer(parseInteger(first.toText()).value_or(0));
        return Value::string(first.toText());
    }
    switch (def.type) {
    case VariableType::String: return Value::string(placeholderString(def));
    case VariableType::Integer: {
        std::int64_t n = 1;
        if (auto min = intOption(def, "min"); min && n < *min) n = *min;
        if (auto max = intOption(def, "max"); max && n > *max) n = *max;
        return Value::integer(n);
    }
    case VariableType::Boolean: return booleanOutput(def, false);
    case VariableType::Enum: {
        auto values = enumValues(def);
        return values.empty() ? Value() : Value::string(values.front());
    }
    case VariableType::Uri: return Value::string(uriSchemes(def).front() + "://placeholder.invalid");
    case VariableType::Array: return Value::list();
    }
    return Value();
}

}  // namespace kontena::stacks
