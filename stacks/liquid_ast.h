#pragma once
// Internal to the template renderer: tokens and syntax tree of the Liquid
// subset (see liquid.h). Not part of the library's interface.

#include <memory>
#include <string>
#include <vector>

#include "stacks/liquid.h"
#include "stacks/value.h"

namespace kontena::stacks::liquid {

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

// One step of a variable lookup: `.name` or `[expr]`.
struct Accessor {
    std::string key;
    ExprPtr index;  // set for [expr]
};

struct Expr {
    enum class Kind { Literal, Lookup, Range };
    Kind kind = Kind::Literal;
    Value literal;
    std::string name;                // Lookup: the root variable
    std::vector<Accessor> path;      // Lookup: accessors after the root
    ExprPtr low, high;               // Range
    int line = 0, column = 0;
};

struct Filter {
    std::string name;
    std::vector<ExprPtr> args;
    int line = 0, column = 0;
};

struct FilteredExpr {
    ExprPtr base;
    std::vector<Filter> filters;
};

enum class CompareOp { None, Eq, Ne, Lt, Gt, Le, Ge, Contains };
enum class Join { End, And, Or };

// A chain of comparisons joined by and/or, evaluated right to left like
// Liquid does (no parentheses).
struct Condition {
    ExprPtr left;
    CompareOp op = CompareOp::None;
    ExprPtr right;
    Join join = Join::End;
    std::shared_ptr<Condition> next;
};

struct Node;
using Body = std::vector<Node>;

struct Branch {
    std::shared_ptr<Condition> condition;
    Body body;
};

struct When {
    std::vector<ExprPtr> values;
    Body body;
};

struct Node {
    enum class Kind { Text, Output, If, Unless, For, Assign, Capture, Case, Break, Continue };
    Kind kind = Kind::Text;
    int line = 0, column = 0;
    std::string text;                 // Text
    FilteredExpr expr;                // Output, Assign (value)
    std::string name;                 // Assign/Capture target, For variable
    std::vector<Branch> branches;     // If/Unless (first is the condition)
    std::vector<When> whens;          // Case
    ExprPtr subject;                  // Case subject, For collection
    ExprPtr limit, offset;            // For
    bool reversed = false;            // For
    Body body;                        // For/Capture body
    Body elseBody;                    // If/Unless/For/Case else
};

// Parse a template into a body; syntax errors go to `errors`.
Body parseTemplate(std::string_view text, std::vector<TemplateError>& errors);

// Apply filter `name` to `input`; an unknown filter or bad arguments set
// `error` (non-empty) and return nil.
Value applyFilter(const std::string& name, const Value& input, const std::vector<Value>& args, std::string& error);

}  // namespace kontena::stacks::liquid
