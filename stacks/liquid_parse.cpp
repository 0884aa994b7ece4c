// Template parsing: text -> tokens -> syntax tree (liquid_ast.h).
#include <cctype>
#include <optional>

#include "stacks/liquid_ast.h"

namespace kontena::stacks::liquid {
namespace {

constexpr int kMaxNesting = 64;

// ------------------------------------------------------------- markup ----

struct Markup {
    enum class Kind { Text, Output, Tag };
    Kind kind = Kind::Text;
    std::string content;
    int line = 1, column = 1;
};

struct Cursor {
    std::string_view text;
    std::size_t pos = 0;
    int line = 1, column = 1;

    void advanceTo(std::size_t target) {
        for (; pos < target && pos < text.size(); ++pos) {
            if (text[pos] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
    }
};

void trimRight(std::string& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
}

std::string trimmed(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

// The first word of a tag's content ("if", "endfor", ...).
std::string tagWord(const std::string& content) {
    std::size_t i = 0;
    while (i < content.size() && (std::isalnum(static_cast<unsigned char>(content[i])) || content[i] == '_')) ++i;
    return content.substr(0, i);
}

// Skip a verbatim block ({% raw %} or {% comment %}) up to its end tag.
// Returns false if the end tag is missing.
bool skipVerbatim(Cursor& c, const std::string& endWord, std::string* captured) {
    std::size_t search = c.pos;
    for (;;) {
        std::size_t open = c.text.find("{%", search);
        if (open == std::string_view::npos) return false;
        std::size_t close = c.text.find("%}", open + 2);
        if (close == std::string_view::npos) return false;
        std::string inner = trimmed(c.text.substr(open + 2, close - open - 2));
        if (!inner.empty() && inner.front() == '-') inner = trimmed(inner.substr(1));
        if (!inner.empty() && inner.back() == '-') inner = trimmed(inner.substr(0, inner.size() - 1));
        if (inner == endWord) {
            if (captured) *captured = std::string(c.text.substr(c.pos, open - c.pos));
            c.advanceTo(close + 2);
            return true;
        }
        search = open + 2;
    }
}

std::vector<Markup> lex(std::string_view text, std::vector<TemplateError>& errors) {
    std::vector<Markup> out;
    Cursor c{text};
    bool stripNextLeading = false;
    while (c.pos < text.size()) {
        std::size_t open = text.find('{', c.pos);
        while (open != std::string_view::npos && open + 1 < text.size() && text[open + 1] != '{' &&
               text[open + 1] != '%') {
            open = text.find('{', open + 1);
        }
        if (open == std::string_view::npos || open + 1 >= text.size()) open = text.size();
        Markup t{Markup::Kind::Text, std::string(text.substr(c.pos, open - c.pos)), c.line, c.column};
        if (stripNextLeading) {
            std::size_t k = 0;
            while (k < t.content.size() && std::isspace(static_cast<unsigned char>(t.content[k]))) ++k;
            t.content.erase(0, k);
        }
        c.advanceTo(open);
        if (open >= text.size()) {
            if (!t.content.empty()) out.push_back(std::move(t));
            break;
        }
        const bool isOutput = text[open + 1] == '{';
        const std::string_view closer = isOutput ? "}}" : "%}";
        std::size_t close = text.find(closer, open + 2);
        if (close == std::string_view::npos) {
            errors.push_back({c.line, c.column,
                              isOutput ? "'{{' was not properly terminated with '}}'"
                                       : "tag '{%' was not properly terminated with '%}'"});
            return out;
        }
        std::string inner(text.substr(open + 2, close - open - 2));
        if (!inner.empty() && inner.front() == '-') {
            inner.erase(0, 1);
            trimRight(t.content);
        }
        stripNextLeading = false;
        if (!inner.empty() && inner.back() == '-') {
            inner.pop_back();
            stripNextLeading = true;
        }
        if (!t.content.empty()) out.push_back(std::move(t));
        Markup m{isOutput ? Markup::Kind::Output : Markup::Kind::Tag, trimmed(inner), c.line, c.column};
        c.advanceTo(close + 2);
        if (m.kind == Markup::Kind::Tag && (tagWord(m.content) == "raw" || tagWord(m.content) == "comment")) {
            const bool raw = tagWord(m.content) == "raw";
            std::string captured;
            if (!skipVerbatim(c, raw ? "endraw" : "endcomment", raw ? &captured : nullptr)) {
                errors.push_back({m.line, m.column, "'" + tagWord(m.content) + "' tag was never closed"});
                return out;
            }
            if (raw) out.push_back({Markup::Kind::Text, captured, m.line, m.column});
            continue;
        }
        out.push_back(std::move(m));
    }
    return out;
}

// -------------------------------------------------------- expressions ----

struct Tok {
    enum class Kind { Ident, String, Number, Punct, End };
    Kind kind = Kind::End;
    std::string text;
    Value number;
};

// Tokens of one tag or output; reports the first problem it meets.
class ExprLexer {
public:
    explicit ExprLexer(const std::string& s) { run(s); }
    const std::vector<Tok>& tokens() const { return toks_; }
    const std::string& error() const { return error_; }

private:
    void run(const std::string& s) {
        std::size_t i = 0;
        while (i < s.size() && error_.empty()) {
            const char ch = s[i];
            if (std::isspace(static_cast<unsigned char>(ch))) {
                ++i;
            } else if (ch == '\'' || ch == '"') {
                std::size_t end = s.find(ch, i + 1);
                if (end == std::string::npos) {
                    error_ = "unterminated string in " + quote(s);
                    break;
                }
                toks_.push_back({Tok::Kind::String, s.substr(i + 1, end - i - 1), {}});
                i = end + 1;
            } else if (std::isdigit(static_cast<unsigned char>(ch)) ||
                       (ch == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
                i = number(s, i);
            } else if (std::isalpha(static_cast<unsigned char>(ch)) || ch == '_') {
                std::size_t j = i;
                while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '-')) ++j;
                if (j < s.size() && s[j] == '?') ++j;
                toks_.push_back({Tok::Kind::Ident, s.substr(i, j - i), {}});
                i = j;
            } else {
                i = punct(s, i);
            }
        }
        toks_.push_back({Tok::Kind::End, "", {}});
    }

    std::size_t number(const std::string& s, std::size_t i) {
        std::size_t j = i + 1;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        bool isFloat = false;
        if (j + 1 < s.size() && s[j] == '.' && std::isdigit(static_cast<unsigned char>(s[j + 1]))) {
            isFloat = true;
            ++j;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
        const std::string text = s.substr(i, j - i);
        Tok t{Tok::Kind::Number, text, {}};
        if (isFloat) {
            t.number = Value::number(parseFloat(text).value_or(0));
        } else if (auto v = parseInteger(text)) {
            t.number = Value::integer(*v);
        } else {
            t.number = Value::number(parseFloat(text).value_or(0));
        }
        toks_.push_back(std::move(t));
        return j;
    }

    std::size_t punct(const std::string& s, std::size_t i) {
        static const char* twoChar[] = {"..", "==", "!=", "<>", "<=", ">="};
        for (const char* p : twoChar) {
            if (s.compare(i, 2, p) == 0) {
                toks_.push_back({Tok::Kind::Punct, p, {}});
                return i + 2;
            }
        }
        const std::string one = ".[]()|:,<>=";
        if (one.find(s[i]) != std::string::npos) {
            toks_.push_back({Tok::Kind::Punct, std::string(1, s[i]), {}});
            return i + 1;
        }
        error_ = "unexpected character '" + std::string(1, s[i]) + "' in " + quote(s);
        return s.size();
    }

    static std::string quote(const std::string& s) { return "\"" + s + "\""; }

    std::vector<Tok> toks_;
    std::string error_;
};

// Recursive-descent parser over one tag's tokens. Errors are recorded once;
// after an error every method returns harmless defaults.
class ExprParser {
public:
    ExprParser(const std::string& text, int line, int column) : lexer_(text), line_(line), column_(column) {
        if (!lexer_.error().empty()) error_ = lexer_.error();
    }

    const std::string& error() const { return error_; }
    bool atEnd() const { return peek().kind == Tok::Kind::End; }
    const Tok& peek(std::size_t ahead = 0) const {
        const auto& t = lexer_.tokens();
        return t[std::min(pos_ + ahead, t.size() - 1)];
    }
    bool acceptPunct(const std::string& p) {
        if (peek().kind == Tok::Kind::Punct && peek().text == p) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool acceptWord(const std::string& w) {
        if (peek().kind == Tok::Kind::Ident && peek().text == w) {
            ++pos_;
            return true;
        }
        return false;
    }
    void fail(const std::string& message) {
        if (error_.empty()) error_ = message;
    }
    void expectEnd() {
        if (!atEnd()) fail("unexpected '" + peek().text + "'");
    }
    std::string identifier() {
        if (peek().kind != Tok::Kind::Ident) {
            fail("expected a name, got '" + peek().text + "'");
            return {};
        }
        return lexer_.tokens()[pos_++].text;
    }

    ExprPtr expression();
    FilteredExpr filtered();
    std::shared_ptr<Condition> condition();

private:
    ExprPtr make(Expr::Kind k) {
        auto e = std::make_shared<Expr>();
        e->kind = k;
        e->line = line_;
        e->column = column_;
        return e;
    }
    ExprPtr range();
    ExprPtr lookup();
    CompareOp compareOp();

    ExprLexer lexer_;
    std::size_t pos_ = 0;
    int line_, column_;
    std::string error_;
};

ExprPtr ExprParser::expression() {
    const Tok& t = peek();
    if (t.kind == Tok::Kind::String) {
        auto e = make(Expr::Kind::Literal);
        e->literal = Value::string(t.text);
        ++pos_;
        return e;
    }
    if (t.kind == Tok::Kind::Number) {
        auto e = make(Expr::Kind::Literal);
        e->literal = t.number;
        ++pos_;
        return e;
    }
    if (t.kind == Tok::Kind::Punct && t.text == "(") return range();
    if (t.kind == Tok::Kind::Ident) {
        auto e = make(Expr::Kind::Literal);
        if (t.text == "true" || t.text == "false") {
            e->literal = Value::boolean(t.text == "true");
        } else if (t.text == "nil" || t.text == "null") {
            e->literal = Value::nil();
        } else if (t.text == "empty" || t.text == "blank") {
            e->literal = Value::string("");
        } else {
            return lookup();
        }
        ++pos_;
        return e;
    }
    fail(t.kind == Tok::Kind::End ? std::string("expected a value") : "unexpected '" + t.text + "'");
    return make(Expr::Kind::Literal);
}

ExprPtr ExprParser::range() {
    acceptPunct("(");
    auto e = make(Expr::Kind::Range);
    e->low = expression();
    if (!acceptPunct("..")) fail("expected '..' in a range");
    e->high = expression();
    if (!acceptPunct(")")) fail("expected ')' after a range");
    return e;
}

ExprPtr ExprParser::lookup() {
    auto e = make(Expr::Kind::Lookup);
    e->name = identifier();
    for (int steps = 0; error_.empty() && steps < kMaxNesting; ++steps) {
        if (acceptPunct(".")) {
            e->path.push_back({identifier(), nullptr});
        } else if (acceptPunct("[")) {
            e->path.push_back({"", expression()});
            if (!acceptPunct("]")) fail("expected ']'");
        } else {
            break;
        }
    }
    return e;
}

FilteredExpr ExprParser::filtered() {
    FilteredExpr fe;
    fe.base = expression();
    while (error_.empty() && acceptPunct("|")) {
        Filter f;
        f.line = line_;
        f.column = column_;
        f.name = identifier();
        if (acceptPunct(":")) {
            do {
                f.args.push_back(expression());
            } while (error_.empty() && acceptPunct(","));
        }
        fe.filters.push_back(std::move(f));
    }
    return fe;
}

CompareOp ExprParser::compareOp() {
    const Tok& t = peek();
    if (t.kind == Tok::Kind::Ident && t.text == "contains") {
        ++pos_;
        return CompareOp::Contains;
    }
    if (t.kind != Tok::Kind::Punct) return CompareOp::None;
    static const std::pair<const char*, CompareOp> ops[] = {
        {"==", CompareOp::Eq}, {"!=", CompareOp::Ne}, {"<>", CompareOp::Ne}, {"<", CompareOp::Lt},
        {">", CompareOp::Gt},  {"<=", CompareOp::Le}, {">=", CompareOp::Ge}};
    for (const auto& [text, op] : ops) {
        if (t.text == text) {
            ++pos_;
            return op;
        }
    }
    return CompareOp::None;
}

std::shared_ptr<Condition> ExprParser::condition() {
    auto c = std::make_shared<Condition>();
    c->left = expression();
    c->op = compareOp();
    if (c->op != CompareOp::None) c->right = expression();
    if (acceptWord("and")) {
        c->join = Join::And;
    } else if (acceptWord("or")) {
        c->join = Join::Or;
    }
    if (c->join != Join::End && error_.empty()) c->next = condition();
    return c;
}

// -------------------------------------------------------------- blocks ----

class BlockParser {
public:
    BlockParser(std::vector<Markup> markup, std::vector<TemplateError>& errors)
        : markup_(std::move(markup)), errors_(errors) {}

    Body parseAll() {
        std::string ended;
        Body body = parseBody({}, ended, 0);
        return body;
    }

private:
    // Parse nodes until one of `enders` (tag words) is met; its word is put
    // in `ended` ("" at end of input) and the markup is left unconsumed.
    Body parseBody(const std::vector<std::string>& enders, std::string& ended, int depth);
    void parseTag(const Markup& m, Body& body, int depth);
    Node parseIf(const Markup& m, bool unless, int depth);
    Node parseFor(const Markup& m, int depth);
    Node parseCase(const Markup& m, int depth);
    Node parseCapture(const Markup& m, int depth);
    Node parseAssign(const Markup& m);
    // Consume the closing tag `endWord` after a body ended with `ended`.
    void expectEnd(const Markup& opener, const std::string& ended, const std::string& endWord);

    void error(const Markup& m, const std::string& message) { errors_.push_back({m.line, m.column, message}); }
    std::string argsOf(const Markup& m) const {
        const std::string word = tagWord(m.content);
        return trimmed(std::string_view(m.content).substr(word.size()));
    }
    Node node(Node::Kind k, const Markup& m) const {
        Node n;
        n.kind = k;
        n.line = m.line;
        n.column = m.column;
        return n;
    }

    std::vector<Markup> markup_;
    std::size_t pos_ = 0;
    std::vector<TemplateError>& errors_;
};

Body BlockParser::parseBody(const std::vector<std::string>& enders, std::string& ended, int depth) {
    Body body;
    ended.clear();
    while (pos_ < markup_.size()) {
        const Markup& m = markup_[pos_];
        if (m.kind == Markup::Kind::Text) {
            Node n = node(Node::Kind::Text, m);
            n.text = m.content;
            body.push_back(std::move(n));
            ++pos_;
            continue;
        }
        if (m.kind == Markup::Kind::Output) {
            ExprParser p(m.content, m.line, m.column);
            Node n = node(Node::Kind::Output, m);
            n.expr = p.filtered();
            p.expectEnd();
            if (!p.error().empty()) error(m, "syntax error in '{{ " + m.content + " }}': " + p.error());
            body.push_back(std::move(n));
            ++pos_;
            continue;
        }
        const std::string word = tagWord(m.content);
        for (const auto& e : enders) {
            if (word == e) {
                ended = word;
                return body;
            }
        }
        ++pos_;
        parseTag(m, body, depth);
    }
    return body;
}

void BlockParser::parseTag(const Markup& m, Body& body, int depth) {
    const std::string word = tagWord(m.content);
    if (depth >= kMaxNesting) {
        error(m, "tags nested too deeply");
        pos_ = markup_.size();
        return;
    }
    if (word == "if" || word == "unless") {
        body.push_back(parseIf(m, word == "unless", depth + 1));
    } else if (word == "for") {
        body.push_back(parseFor(m, depth + 1));
    } else if (word == "case") {
        body.push_back(parseCase(m, depth + 1));
    } else if (word == "capture") {
        body.push_back(parseCapture(m, depth + 1));
    } else if (word == "assign") {
        body.push_back(parseAssign(m));
    } else if (word == "break" || word == "continue") {
        body.push_back(node(word == "break" ? Node::Kind::Break : Node::Kind::Continue, m));
    } else if (word == "elsif" || word == "else" || word == "when" || word.rfind("end", 0) == 0) {
        error(m, "unexpected tag '" + word + "'");
    } else {
        error(m, "unknown tag '" + (word.empty() ? m.content : word) + "'");
    }
}

void BlockParser::expectEnd(const Markup& opener, const std::string& ended, const std::string& endWord) {
    if (ended == endWord) {
        ++pos_;
        return;
    }
    error(opener, "'" + tagWord(opener.content) + "' tag was never closed with '" + endWord + "'");
}

Node BlockParser::parseIf(const Markup& m, bool unless, int depth) {
    Node n = node(unless ? Node::Kind::Unless : Node::Kind::If, m);
    const std::string endWord = unless ? "endunless" : "endif";
    const Markup* head = &m;
    std::string ended;
    for (;;) {
        ExprParser p(argsOf(*head), head->line, head->column);
        Branch b;
        b.condition = p.condition();
        p.expectEnd();
        if (!p.error().empty()) error(*head, "syntax error in '" + head->content + "': " + p.error());
        b.body = parseBody({"elsif", "else", endWord}, ended, depth);
        n.branches.push_back(std::move(b));
        if (ended != "elsif") break;
        head = &markup_[pos_++];
    }
    if (ended == "else") {
        ++pos_;
        n.elseBody = parseBody({endWord}, ended, depth);
    }
    expectEnd(m, ended, endWord);
    return n;
}

Node BlockParser::parseFor(const Markup& m, int depth) {
    Node n = node(Node::Kind::For, m);
    ExprParser p(argsOf(m), m.line, m.column);
    n.name = p.identifier();
    if (!p.acceptWord("in")) p.fail("expected 'in'");
    n.subject = p.expression();
    while (p.error().empty() && !p.atEnd()) {
        if (p.acceptWord("reversed")) {
            n.reversed = true;
        } else if (p.acceptWord("limit") && p.acceptPunct(":")) {
            n.limit = p.expression();
        } else if (p.acceptWord("offset") && p.acceptPunct(":")) {
            n.offset = p.expression();
        } else {
            p.fail("unexpected '" + p.peek().text + "'");
        }
    }
    if (!p.error().empty()) error(m, "syntax error in '" + m.content + "': " + p.error());
    std::string ended;
    n.body = parseBody({"else", "endfor"}, ended, depth);
    if (ended == "else") {
        ++pos_;
        n.elseBody = parseBody({"endfor"}, ended, depth);
    }
    expectEnd(m, ended, "endfor");
    return n;
}

Node BlockParser::parseCase(const Markup& m, int depth) {
    Node n = node(Node::Kind::Case, m);
    ExprParser p(argsOf(m), m.line, m.column);
    n.subject = p.expression();
    p.expectEnd();
    if (!p.error().empty()) error(m, "syntax error in '" + m.content + "': " + p.error());
    std::string ended;
    parseBody({"when", "else", "endcase"}, ended, depth);  // text before the first when is ignored
    while (ended == "when") {
        const Markup& head = markup_[pos_++];
        ExprParser wp(argsOf(head), head.line, head.column);
        When w;
        do {
            w.values.push_back(wp.expression());
        } while (wp.error().empty() && (wp.acceptPunct(",") || wp.acceptWord("or")));
        wp.expectEnd();
        if (!wp.error().empty()) error(head, "syntax error in '" + head.content + "': " + wp.error());
        w.body = parseBody({"when", "else", "endcase"}, ended, depth);
        n.whens.push_back(std::move(w));
    }
    if (ended == "else") {
        ++pos_;
        n.elseBody = parseBody({"endcase"}, ended, depth);
    }
    expectEnd(m, ended, "endcase");
    return n;
}

Node BlockParser::parseCapture(const Markup& m, int depth) {
    Node n = node(Node::Kind::Capture, m);
    ExprParser p(argsOf(m), m.line, m.column);
    n.name = p.identifier();
    p.expectEnd();
    if (!p.error().empty()) error(m, "syntax error in '" + m.content + "': " + p.error());
    std::string ended;
    n.body = parseBody({"endcapture"}, ended, depth);
    expectEnd(m, ended, "endcapture");
    return n;
}

Node BlockParser::parseAssign(const Markup& m) {
    Node n = node(Node::Kind::Assign, m);
    ExprParser p(argsOf(m), m.line, m.column);
    n.name = p.identifier();
    if (!p.acceptPunct("=")) p.fail("expected '='");
    n.expr = p.filtered();
    p.expectEnd();
    if (!p.error().empty()) error(m, "syntax error in '" + m.content + "': " + p.error());
    return n;
}

}  // namespace

Body parseTemplate(std::string_view text, std::vector<TemplateError>& errors) {
    BlockParser parser(lex(text, errors), errors);
    return parser.parseAll();
}

}  // namespace kontena::stacks::liquid
