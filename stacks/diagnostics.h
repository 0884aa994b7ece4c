#pragma once
// Diagnostics: what stack processing tells the user. Errors are values; a
// pass collects every problem it finds instead of stopping at the first.

#include <functional>
#include <string>
#include <vector>

namespace kontena::stacks {

enum class Severity { Error, Warning, Notice };

// A position in a source file. line and column count from 1; 0 = unknown.
struct SourcePos {
    std::string file;
    int line = 0;
    int column = 0;
};

// One finding: "file:line:col: path.to.key: message".
struct Diagnostic {
    Severity severity = Severity::Error;
    SourcePos pos;
    std::string path;     // dotted key path, e.g. services.app.instances; may be empty
    std::string message;

    // The user-facing line. Warnings and notices carry their kind after the
    // position ("warning:", "notice:"); errors carry none.
    std::string format() const;
};

// An ordered collection of findings from one run.
class Diagnostics {
public:
    void add(Diagnostic d) { items_.push_back(std::move(d)); }
    void error(const SourcePos& pos, std::string path, std::string message);
    void warning(const SourcePos& pos, std::string path, std::string message);
    void notice(const SourcePos& pos, std::string path, std::string message);
    void append(const Diagnostics& other);
    // Rewrites the line of every diagnostic from index `from` on whose file
    // is `file` (positions in generated text -> positions in the source).
    void remapLines(std::size_t from, const std::string& file, const std::function<int(int)>& map);

    bool hasErrors() const;
    std::size_t errorCount() const;
    const std::vector<Diagnostic>& items() const { return items_; }
    // Every diagnostic formatted, one per line.
    std::string format() const;

private:
    std::vector<Diagnostic> items_;
};

// Quote a user value for a message: "three" (with escapes for control
// characters), cut to a readable length.
std::string quoteForMessage(const std::string& s);

}  // namespace kontena::stacks
