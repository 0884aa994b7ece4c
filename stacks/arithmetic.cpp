#include "stacks/arithmetic.h"

#include <cctype>
#include <cmath>

namespace kontena::stacks {
namespace {

constexpr int kMaxDepth = 100;

class Calculator {
public:
    explicit Calculator(const std::string& s) : s_(s) {}

    Result<Value> run() {
        Value v = sum(0);
        skipSpace();
        if (error_.empty() && pos_ < s_.size()) fail("unexpected '" + std::string(1, s_[pos_]) + "'");
        if (!error_.empty()) return Error{error_};
        return v;
    }

private:
    void skipSpace() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    void fail(const std::string& m) {
        if (error_.empty()) error_ = m + " at " + std::to_string(pos_ + 1) + " in \"" + s_ + "\"";
    }
    bool accept(char c) {
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    Value sum(int depth) {
        Value v = product(depth);
        while (error_.empty()) {
            if (accept('+')) v = apply(v, '+', product(depth));
            else if (accept('-')) v = apply(v, '-', product(depth));
            else break;
        }
        return v;
    }

    Value product(int depth) {
        Value v = unary(depth);
        while (error_.empty()) {
            if (accept('*')) v = apply(v, '*', unary(depth));
            else if (accept('/')) v = apply(v, '/', unary(depth));
            else if (accept('%')) v = apply(v, '%', unary(depth));
            else break;
        }
        return v;
    }

    Value unary(int depth) {
        if (depth > kMaxDepth) {
            fail("expression nested too deeply");
            return Value::integer(0);
        }
        if (accept('-')) return apply(Value::integer(0), '-', unary(depth + 1));
        if (accept('+')) return unary(depth + 1);
        if (accept('(')) {
            Value v = sum(depth + 1);
            if (!accept(')')) fail("expected ')'");
            return v;
        }
        return number();
    }

    Value number() {
        skipSpace();
        const std::size_t start = pos_;
        while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
        const std::string text = s_.substr(start, pos_ - start);
        if (text.empty()) {
            fail(pos_ < s_.size() ? "unexpected '" + std::string(1, s_[pos_]) + "'" : std::string("expected a number"));
            return Value::integer(0);
        }
        if (auto i = parseInteger(text)) return Value::integer(*i);
        if (auto f = parseFloat(text)) return Value::number(*f);
        fail("bad number '" + text + "'");
        return Value::integer(0);
    }

    Value apply(const Value& l, char op, const Value& r) {
        if (!error_.empty()) return Value::integer(0);
        if (l.kind() == Value::Kind::Int && r.kind() == Value::Kind::Int) return integers(l.asInt(), op, r.asInt());
        const double x = l.asFloat(), y = r.asFloat();
        if ((op == '/' || op == '%') && y == 0) {
            fail("division by zero");
            return Value::integer(0);
        }
        switch (op) {
        case '+': return Value::number(x + y);
        case '-': return Value::number(x - y);
        case '*': return Value::number(x * y);
        case '/': return Value::number(x / y);
        default: return Value::number(std::fmod(x, y));
        }
    }

    Value integers(std::int64_t x, char op, std::int64_t y) {
        __extension__ using i128 = __int128;
        i128 r = 0;
        switch (op) {
        case '+': r = static_cast<i128>(x) + y; break;
        case '-': r = static_cast<i128>(x) - y; break;
        case '*': r = static_cast<i128>(x) * y; break;
        default:
            if (y == 0) {
                fail("division by zero");
                return Value::integer(0);
            }
            if (op == '/') {
                r = static_cast<i128>(x) / y;
                if ((static_cast<i128>(x) % y != 0) && ((x < 0) != (y < 0))) --r;  // Ruby floors
            } else {
                r = static_cast<i128>(x) % y;
                if (r != 0 && ((r < 0) != (y < 0))) r += y;
            }
        }
        if (r > INT64_MAX || r < INT64_MIN) {
            fail("integer overflow");
            return Value::integer(0);
        }
        return Value::integer(static_cast<std::int64_t>(r));
    }

    const std::string& s_;
    std::size_t pos_ = 0;
    std::string error_;
};

}  // namespace

Result<Value> evaluateArithmetic(const std::string& expression) { return Calculator(expression).run(); }

}  // namespace kontena::stacks
