// Template filters: the standard Liquid filters stack files use.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>

#include "stacks/liquid_ast.h"

namespace kontena::stacks::liquid {
namespace {

constexpr std::size_t kMaxString = 8u << 20;

using Args = std::vector<Value>;
using FilterFn = std::function<Value(const Value&, const Args&, std::string&)>;

// Liquid's to_number: numbers stay, numeric strings convert, the rest is 0.
Value toNumber(const Value& v) {
    if (v.isNumber()) return v;
    const std::string s = v.toText();
    if (auto i = parseInteger(s)) return Value::integer(*i);
    if (auto f = parseFloat(s)) return Value::number(*f);
    return Value::integer(0);
}

bool needArgs(const Args& a, std::size_t n, const char* name, std::string& error) {
    if (a.size() >= n) return true;
    error = std::string("filter '") + name + "' needs " + std::to_string(n) + " argument(s)";
    return false;
}

Value stringResult(std::string s, std::string& error) {
    if (s.size() > kMaxString) {
        error = "a string grew larger than 8 MiB";
        return {};
    }
    return Value::string(std::move(s));
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string stripLeft(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

std::string stripRight(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to, bool firstOnly) {
    if (from.empty()) return s;
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        std::size_t hit = s.find(from, pos);
        if (hit == std::string::npos) break;
        out += s.substr(pos, hit - pos) + to;
        pos = hit + from.size();
        if (firstOnly) break;
    }
    return out + s.substr(pos);
}

Value split(const Value& in, const Args& a, std::string& error) {
    if (!needArgs(a, 1, "split", error)) return {};
    const std::string s = in.toText(), sep = a[0].toText();
    Value out = Value::list();
    if (s.empty()) return out;
    if (sep.empty()) {
        for (char c : s) out.push(Value::string(std::string(1, c)));
        return out;
    }
    std::size_t pos = 0;
    for (;;) {
        std::size_t hit = s.find(sep, pos);
        out.push(Value::string(s.substr(pos, hit == std::string::npos ? std::string::npos : hit - pos)));
        if (hit == std::string::npos) break;
        pos = hit + sep.size();
    }
    while (!out.items().empty() && out.items().back().asString().empty()) out.items().pop_back();  // Ruby drops trailing empties
    return out;
}

Value join(const Value& in, const Args& a, std::string& error) {
    if (!in.isList()) return in;
    const std::string sep = a.empty() ? " " : a[0].toText();
    std::string out;
    for (std::size_t i = 0; i < in.items().size(); ++i) {
        if (i) out += sep;
        out += in.items()[i].toText();
        if (out.size() > kMaxString) break;
    }
    return stringResult(std::move(out), error);
}

Value arithmetic(const Value& in, const Args& a, std::string& error, char op) {
    if (!needArgs(a, 1, "arithmetic", error)) return {};
    const Value l = toNumber(in), r = toNumber(a[0]);
    const bool ints = l.kind() == Value::Kind::Int && r.kind() == Value::Kind::Int;
    if ((op == '/' || op == '%') && r.asFloat() == 0) {
        error = "divided by 0";
        return {};
    }
    if (ints) {
        const std::int64_t x = l.asInt(), y = r.asInt();
        switch (op) {
        case '+': return Value::integer(static_cast<std::int64_t>(static_cast<std::uint64_t>(x) + static_cast<std::uint64_t>(y)));
        case '-': return Value::integer(static_cast<std::int64_t>(static_cast<std::uint64_t>(x) - static_cast<std::uint64_t>(y)));
        case '*': return Value::integer(static_cast<std::int64_t>(static_cast<std::uint64_t>(x) * static_cast<std::uint64_t>(y)));
        case '/': {
            if (y == -1) return Value::integer(static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(x)));
            std::int64_t q = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) --q;  // Ruby floors
            return Value::integer(q);
        }
        default: {
            if (y == -1) return Value::integer(0);
            std::int64_t m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) m += y;
            return Value::integer(m);
        }
        }
    }
    const double x = l.asFloat(), y = r.asFloat();
    switch (op) {
    case '+': return Value::number(x + y);
    case '-': return Value::number(x - y);
    case '*': return Value::number(x * y);
    case '/': return Value::number(x / y);
    default: return Value::number(std::fmod(x, y));
    }
}

Value rounding(const Value& in, double (*fn)(double)) {
    const Value n = toNumber(in);
    if (n.kind() == Value::Kind::Int) return n;
    const double r = fn(n.asFloat());
    if (!std::isfinite(r) || std::fabs(r) > 9e18) return Value::number(r);
    return Value::integer(static_cast<std::int64_t>(r));
}

Value slice(const Value& in, const Args& a, std::string& error) {
    if (!needArgs(a, 1, "slice", error)) return {};
    std::int64_t start = toNumber(a[0]).asInt();
    const std::int64_t len = a.size() > 1 ? toNumber(a[1]).asInt() : 1;
    const auto size = static_cast<std::int64_t>(in.isList() ? in.items().size() : in.toText().size());
    if (start < 0) start += size;
    if (start < 0 || start > size || len < 0) return in.isList() ? Value::list() : Value::string("");
    const std::int64_t end = std::min(size, start + len);
    if (in.isList()) {
        return Value::list(std::vector<Value>(in.items().begin() + start, in.items().begin() + end));
    }
    return Value::string(in.toText().substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
}

Value listOp(const Value& in, const std::function<void(std::vector<Value>&)>& op) {
    if (!in.isList()) return in;
    std::vector<Value> items = in.items();
    op(items);
    return Value::list(std::move(items));
}

bool lessThan(const Value& a, const Value& b) {
    if (a.isNumber() && b.isNumber()) return a.asFloat() < b.asFloat();
    return a.toText() < b.toText();
}

const std::map<std::string, FilterFn>& filters() {
    static const std::map<std::string, FilterFn> table = {
        {"append", [](const Value& v, const Args& a, std::string& e) {
             return needArgs(a, 1, "append", e) ? stringResult(v.toText() + a[0].toText(), e) : Value();
         }},
        {"prepend", [](const Value& v, const Args& a, std::string& e) {
             return needArgs(a, 1, "prepend", e) ? stringResult(a[0].toText() + v.toText(), e) : Value();
         }},
        {"split", split},
        {"join", join},
        {"upcase", [](const Value& v, const Args&, std::string&) { return Value::string(upper(v.toText())); }},
        {"downcase", [](const Value& v, const Args&, std::string&) { return Value::string(lower(v.toText())); }},
        {"capitalize", [](const Value& v, const Args&, std::string&) {
             std::string s = lower(v.toText());
             if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
             return Value::string(s);
         }},
        {"strip", [](const Value& v, const Args&, std::string&) { return Value::string(stripRight(stripLeft(v.toText()))); }},
        {"lstrip", [](const Value& v, const Args&, std::string&) { return Value::string(stripLeft(v.toText())); }},
        {"rstrip", [](const Value& v, const Args&, std::string&) { return Value::string(stripRight(v.toText())); }},
        {"strip_newlines", [](const Value& v, const Args&, std::string&) {
             std::string s = v.toText();
             s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }), s.end());
             return Value::string(s);
         }},
        {"size", [](const Value& v, const Args&, std::string&) {
             return Value::integer(static_cast<std::int64_t>(v.isNil() ? 0 : (v.isList() || v.isMap() ? v.size() : v.toText().size())));
         }},
        {"first", [](const Value& v, const Args&, std::string&) {
             return v.isList() && !v.items().empty() ? v.items().front() : Value();
         }},
        {"last", [](const Value& v, const Args&, std::string&) {
             return v.isList() && !v.items().empty() ? v.items().back() : Value();
         }},
        {"plus", [](const Value& v, const Args& a, std::string& e) { return arithmetic(v, a, e, '+'); }},
        {"minus", [](const Value& v, const Args& a, std::string& e) { return arithmetic(v, a, e, '-'); }},
        {"times", [](const Value& v, const Args& a, std::string& e) { return arithmetic(v, a, e, '*'); }},
        {"divided_by", [](const Value& v, const Args& a, std::string& e) { return arithmetic(v, a, e, '/'); }},
        {"modulo", [](const Value& v, const Args& a, std::string& e) { return arithmetic(v, a, e, '%'); }},
        {"abs", [](const Value& v, const Args&, std::string&) {
             const Value n = toNumber(v);
             return n.kind() == Value::Kind::Int ? Value::integer(n.asInt() < 0 ? -n.asInt() : n.asInt())
                                                 : Value::number(std::fabs(n.asFloat()));
         }},
        {"ceil", [](const Value& v, const Args&, std::string&) { return rounding(v, std::ceil); }},
        {"floor", [](const Value& v, const Args&, std::string&) { return rounding(v, std::floor); }},
        {"round", [](const Value& v, const Args&, std::string&) { return rounding(v, std::round); }},
        {"at_least", [](const Value& v, const Args& a, std::string& e) {
             if (!needArgs(a, 1, "at_least", e)) return Value();
             return lessThan(toNumber(v), toNumber(a[0])) ? toNumber(a[0]) : toNumber(v);
         }},
        {"at_most", [](const Value& v, const Args& a, std::string& e) {
             if (!needArgs(a, 1, "at_most", e)) return Value();
             return lessThan(toNumber(a[0]), toNumber(v)) ? toNumber(a[0]) : toNumber(v);
         }},
        {"default", [](const Value& v, const Args& a, std::string& e) {
             if (!needArgs(a, 1, "default", e)) return Value();
             const bool empty = !v.truthy() || ((v.isString() || v.isList()) && v.size() == 0);
             return empty ? a[0] : v;
         }},
        {"replace", [](const Value& v, const Args& a, std::string& e) {
             if (!needArgs(a, 1, "replace", e)) return Value();
             return stringResult(replaceAll(v.toText(), a[0].toText(), a.size() > 1 ? a[1].toText() : "", false), e);
         }},
        {"replace_first", [](const Value& v, const Args& a, std::string& e) {
             if (!needArgs(a, 1, "replace_first", e)) return Value();
             return stringResult(replaceAll(v.toText(), a[0].toText(), a.size() > 1 ? a[1].toText() : "", true), e);
         }},
        {"remove", [](const Value& v, const Args& a, std::string& e) {
             return needArgs(a, 1, "remove", e) ? Value::string(replaceAll(v.toText(), a[0].toText(), "", false)) : Value();
         }},
        {"remove_first", [](const Value& v, const Args& a, std::string& e) {
             return needArgs(a, 1, "remove_first", e) ? Value::string(replaceAll(v.toText(), a[0].toText(), "", true)) : Value();
         }},
        {"slice", slice},
        {"truncate", [](const Value& v, const Args& a, std::string&) {
             const std::string s = v.toText();
             const std::int64_t n = a.empty() ? 50 : toNumber(a[0]).asInt();
             const std::string ellipsis = a.size() > 1 ? a[1].toText() : "...";
             if (n < 0 || static_cast<std::size_t>(n) >= s.size()) return Value::string(s);
             const std::size_t keep = static_cast<std::size_t>(n) > ellipsis.size() ? static_cast<std::size_t>(n) - ellipsis.size() : 0;
             return Value::string(s.substr(0, keep) + ellipsis);
         }},
        {"reverse", [](const Value& v, const Args&, std::string&) {
             return listOp(v, [](std::vector<Value>& xs) { std::reverse(xs.begin(), xs.end()); });
         }},
        {"sort", [](const Value& v, const Args&, std::string&) {
             return listOp(v, [](std::vector<Value>& xs) { std::stable_sort(xs.begin(), xs.end(), lessThan); });
         }},
        {"uniq", [](const Value& v, const Args&, std::string&) {
             return listOp(v, [](std::vector<Value>& xs) {
                 std::vector<Value> out;
                 for (auto& x : xs) {
                     if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
                 }
                 xs = std::move(out);
             });
         }},
        {"compact", [](const Value& v, const Args&, std::string&) {
             return listOp(v, [](std::vector<Value>& xs) {
                 xs.erase(std::remove_if(xs.begin(), xs.end(), [](const Value& x) { return x.isNil(); }), xs.end());
             });
         }},
        {"concat", [](const Value& v, const Args& a, std::string& e) {
             if (!needArgs(a, 1, "concat", e)) return Value();
             std::vector<Value> items = v.isList() ? v.items() : std::vector<Value>{v};
             if (a[0].isList()) items.insert(items.end(), a[0].items().begin(), a[0].items().end());
             else items.push_back(a[0]);
             return Value::list(std::move(items));
         }},
    };
    return table;
}

}  // namespace

Value applyFilter(const std::string& name, const Value& input, const std::vector<Value>& args, std::string& error) {
    const auto& table = filters();
    auto it = table.find(name);
    if (it == table.end()) {
        error = "undefined filter '" + name + "'";
        return {};
    }
    return it->second(input, args, error);
}

}  // namespace kontena::stacks::liquid

namespace kontena::stacks {

const std::vector<std::string>& templateFilterNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& [name, fn] : liquid::filters()) out.push_back(name);
        return out;
    }();
    return names;
}

}  // namespace kontena::stacks
