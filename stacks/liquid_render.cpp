// Template rendering: walks the syntax tree with the variables, strictly.
#include <algorithm>

#include "stacks/liquid_ast.h"

namespace kontena::stacks {
namespace {

using namespace liquid;

constexpr std::size_t kMaxOutput = 8u << 20;       // bytes of rendered text
constexpr std::int64_t kMaxIterations = 1'000'000;  // loop steps per render

// Rendered text; for the top-level output also the template line of every
// line break written, so positions in the output map back to the source.
struct Sink {
    std::string text;
    std::vector<int>* breaks = nullptr;

    // `fromText`: s is template text starting on `line` (its line breaks
    // advance the line); else s came from a tag on `line`.
    void put(const std::string& s, int line, bool fromText) {
        if (breaks) {
            for (char c : s) {
                if (c != '\n') continue;
                breaks->push_back(line);
                if (fromText) ++line;
            }
        }
        text += s;
    }
};

class Renderer {
public:
    Renderer(const TemplateVars& vars, std::vector<TemplateError>& errors) : vars_(vars), errors_(errors) {
        scopes_.emplace_back();
    }

    void render(const Body& body, Sink& out);

private:
    enum class Flow { Normal, Break, Continue, Abort };

    Flow renderNodes(const Body& body, Sink& out);
    Flow renderNode(const Node& n, Sink& out);
    Flow renderFor(const Node& n, Sink& out);
    Flow renderCase(const Node& n, Sink& out);
    Flow renderIf(const Node& n, Sink& out);

    Value eval(const Expr& e);
    Value evalLookup(const Expr& e);
    Value evalFiltered(const FilteredExpr& fe);
    bool test(const Condition& c);
    bool compare(const Value& l, CompareOp op, const Value& r);
    std::vector<Value> iterationItems(const Node& n);
    const Value* findVariable(const std::string& name) const;
    void assignGlobal(const std::string& name, Value v) { scopes_.front()[name] = std::move(v); }

    void fail(int line, int column, std::string message) {
        if (aborted_) return;
        errors_.push_back({line, column, std::move(message)});
        if (errors_.size() >= 100) aborted_ = true;
    }
    bool checkOutput(const Sink& out, int line, int column) {
        if (out.text.size() <= kMaxOutput) return true;
        fail(line, column, "template output is larger than 8 MiB");
        aborted_ = true;
        return false;
    }

    const TemplateVars& vars_;
    std::vector<TemplateError>& errors_;
    std::vector<std::map<std::string, Value>> scopes_;
    std::int64_t iterations_ = 0;
    bool aborted_ = false;
};

void Renderer::render(const Body& body, Sink& out) { renderNodes(body, out); }

Renderer::Flow Renderer::renderNodes(const Body& body, Sink& out) {
    for (const Node& n : body) {
        Flow f = renderNode(n, out);
        if (aborted_) return Flow::Abort;
        if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
}

Renderer::Flow Renderer::renderNode(const Node& n, Sink& out) {
    switch (n.kind) {
    case Node::Kind::Text:
        out.put(n.text, n.line, true);
        break;
    case Node::Kind::Output:
        out.put(evalFiltered(n.expr).toText(), n.line, false);
        break;
    case Node::Kind::If:
    case Node::Kind::Unless:
        return renderIf(n, out);
    case Node::Kind::For:
        return renderFor(n, out);
    case Node::Kind::Case:
        return renderCase(n, out);
    case Node::Kind::Assign:
        assignGlobal(n.name, evalFiltered(n.expr));
        break;
    case Node::Kind::Capture: {
        Sink captured;
        Flow f = renderNodes(n.body, captured);
        assignGlobal(n.name, Value::string(std::move(captured.text)));
        if (f == Flow::Abort) return f;
        break;
    }
    case Node::Kind::Break:
        return Flow::Break;
    case Node::Kind::Continue:
        return Flow::Continue;
    }
    return checkOutput(out, n.line, n.column) ? Flow::Normal : Flow::Abort;
}

Renderer::Flow Renderer::renderIf(const Node& n, Sink& out) {
    for (std::size_t i = 0; i < n.branches.size(); ++i) {
        bool hit = test(*n.branches[i].condition);
        if (n.kind == Node::Kind::Unless && i == 0) hit = !hit;
        if (hit) return renderNodes(n.branches[i].body, out);
    }
    return renderNodes(n.elseBody, out);
}

Renderer::Flow Renderer::renderCase(const Node& n, Sink& out) {
    const Value subject = eval(*n.subject);
    bool matched = false;
    for (const When& w : n.whens) {
        for (const auto& v : w.values) {
            if (eval(*v) == subject) {
                matched = true;
                Flow f = renderNodes(w.body, out);
                if (f != Flow::Normal) return f;
                break;
            }
        }
    }
    return matched ? Flow::Normal : renderNodes(n.elseBody, out);
}

std::vector<Value> Renderer::iterationItems(const Node& n) {
    Value coll = eval(*n.subject);
    std::vector<Value> items;
    if (coll.isList()) {
        items = coll.items();
    } else if (coll.isMap()) {
        for (std::size_t i = 0; i < coll.keys().size(); ++i) {
            items.push_back(Value::list({Value::string(coll.keys()[i]), coll.items()[i]}));
        }
    } else if (coll.isString() && !coll.asString().empty()) {
        items.push_back(coll);
    }
    auto intOf = [&](const ExprPtr& e, std::int64_t fallback) {
        if (!e) return fallback;
        Value v = eval(*e);
        return v.isNumber() ? static_cast<std::int64_t>(v.asFloat()) : parseInteger(v.toText()).value_or(fallback);
    };
    const std::int64_t offset = std::clamp<std::int64_t>(intOf(n.offset, 0), 0, static_cast<std::int64_t>(items.size()));
    items.erase(items.begin(), items.begin() + offset);
    const std::int64_t limit = intOf(n.limit, static_cast<std::int64_t>(items.size()));
    if (limit >= 0 && limit < static_cast<std::int64_t>(items.size())) items.resize(static_cast<std::size_t>(limit));
    if (n.reversed) std::reverse(items.begin(), items.end());
    return items;
}

Renderer::Flow Renderer::renderFor(const Node& n, Sink& out) {
    std::vector<Value> items = iterationItems(n);
    if (aborted_) return Flow::Abort;
    if (items.empty()) return renderNodes(n.elseBody, out);
    scopes_.emplace_back();
    const auto length = static_cast<std::int64_t>(items.size());
    Flow result = Flow::Normal;
    for (std::int64_t i = 0; i < length; ++i) {
        if (++iterations_ > kMaxIterations) {
            fail(n.line, n.column, "loops ran more than 1000000 times");
            aborted_ = true;
            result = Flow::Abort;
            break;
        }
        Value loop = Value::map();
        loop.set("index", Value::integer(i + 1));
        loop.set("index0", Value::integer(i));
        loop.set("rindex", Value::integer(length - i));
        loop.set("rindex0", Value::integer(length - i - 1));
        loop.set("first", Value::boolean(i == 0));
        loop.set("last", Value::boolean(i == length - 1));
        loop.set("length", Value::integer(length));
        scopes_.back()["forloop"] = std::move(loop);
        scopes_.back()[n.name] = items[static_cast<std::size_t>(i)];
        Flow f = renderNodes(n.body, out);
        if (f == Flow::Abort) {
            result = f;
            break;
        }
        if (f == Flow::Break) break;
    }
    scopes_.pop_back();
    return result;
}

const Value* Renderer::findVariable(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
        auto found = it->find(name);
        if (found != it->end()) return &found->second;
    }
    auto found = vars_.find(name);
    return found == vars_.end() ? nullptr : &found->second;
}

Value Renderer::eval(const Expr& e) {
    switch (e.kind) {
    case Expr::Kind::Literal:
        return e.literal;
    case Expr::Kind::Lookup:
        return evalLookup(e);
    case Expr::Kind::Range: {
        const Value lo = eval(*e.low), hi = eval(*e.high);
        auto toInt = [](const Value& v) {
            return v.isNumber() ? static_cast<std::int64_t>(v.asFloat()) : parseInteger(v.toText()).value_or(0);
        };
        const std::int64_t a = toInt(lo), b = toInt(hi);
        if (b - a >= 100000 || b - a < -1) {
            fail(e.line, e.column, "range (" + std::to_string(a) + ".." + std::to_string(b) + ") is too large");
            return Value::list();
        }
        Value list = Value::list();
        for (std::int64_t i = a; i <= b; ++i) list.push(Value::integer(i));
        return list;
    }
    }
    return {};
}

Value Renderer::evalLookup(const Expr& e) {
    const Value* root = findVariable(e.name);
    if (!root) {
        fail(e.line, e.column, "undefined variable '" + e.name + "'");
        return {};
    }
    Value current = *root;
    for (const Accessor& a : e.path) {
        if (a.index) {
            Value key = eval(*a.index);
            if (current.isList() && key.isNumber()) {
                auto i = static_cast<std::int64_t>(key.asFloat());
                const auto n = static_cast<std::int64_t>(current.items().size());
                if (i < 0) i += n;
                current = (i >= 0 && i < n) ? current.items()[static_cast<std::size_t>(i)] : Value();
            } else if (current.isMap()) {
                const Value* v = current.get(key.toText());
                current = v ? *v : Value();
            } else {
                current = Value();
            }
            continue;
        }
        if (current.isMap() && current.get(a.key)) {
            current = *current.get(a.key);
        } else if (a.key == "size" && (current.isList() || current.isMap() || current.isString())) {
            current = Value::integer(static_cast<std::int64_t>(current.size()));
        } else if ((a.key == "first" || a.key == "last") && current.isList()) {
            current = current.items().empty() ? Value()
                                               : (a.key == "first" ? current.items().front() : current.items().back());
        } else if (current.isMap()) {
            fail(e.line, e.column, "undefined variable '" + a.key + "' in '" + e.name + "'");
            return {};
        } else {
            current = Value();  // properties of nil and scalars are nil, as in Liquid
        }
    }
    return current;
}

Value Renderer::evalFiltered(const FilteredExpr& fe) {
    Value v = eval(*fe.base);
    for (const Filter& f : fe.filters) {
        std::vector<Value> args;
        for (const auto& a : f.args) args.push_back(eval(*a));
        std::string error;
        v = applyFilter(f.name, v, args, error);
        if (!error.empty()) {
            fail(f.line, f.column, error);
            return {};
        }
    }
    return v;
}

bool Renderer::compare(const Value& l, CompareOp op, const Value& r) {
    switch (op) {
    case CompareOp::None: return l.truthy();
    case CompareOp::Eq: return l == r;
    case CompareOp::Ne: return !(l == r);
    case CompareOp::Contains:
        if (l.isString()) return l.asString().find(r.toText()) != std::string::npos;
        if (l.isList()) return std::find(l.items().begin(), l.items().end(), r) != l.items().end();
        return false;
    default: break;
    }
    int cmp = 0;
    if (l.isNumber() && r.isNumber()) {
        cmp = l.asFloat() < r.asFloat() ? -1 : (l.asFloat() > r.asFloat() ? 1 : 0);
    } else if (l.isString() && r.isString()) {
        cmp = l.asString().compare(r.asString());
    } else {
        return false;  // incomparable values (nil, mixed types) are never ordered
    }
    switch (op) {
    case CompareOp::Lt: return cmp < 0;
    case CompareOp::Gt: return cmp > 0;
    case CompareOp::Le: return cmp <= 0;
    case CompareOp::Ge: return cmp >= 0;
    default: return false;
    }
}

bool Renderer::test(const Condition& c) {
    const bool here = compare(eval(*c.left), c.op, c.right ? eval(*c.right) : Value());
    if (c.join == Join::End || !c.next) return here;
    if (c.join == Join::And) return here && test(*c.next);
    return here || test(*c.next);
}

}  // namespace

int TemplateResult::sourceLine(int outputLine) const {
    if (outputLine < 1) return outputLine;
    const auto i = static_cast<std::size_t>(outputLine - 1);
    if (i < lineBreaks.size()) return lineBreaks[i];
    if (lineBreaks.empty()) return outputLine;
    return lineBreaks.back() + static_cast<int>(i - lineBreaks.size()) + 1;
}

TemplateResult renderTemplate(std::string_view text, const TemplateVars& vars) {
    TemplateResult result;
    liquid::Body body = liquid::parseTemplate(text, result.errors);
    if (!result.errors.empty()) return result;
    Renderer r(vars, result.errors);
    Sink out;
    out.breaks = &result.lineBreaks;
    r.render(body, out);
    result.output = std::move(out.text);
    return result;
}

}  // namespace kontena::stacks
