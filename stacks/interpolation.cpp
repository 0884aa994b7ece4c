#include "stacks/interpolation.h"

#include <cctype>

namespace kontena::stacks {
namespace {

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool isResolverLine(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '-') {
        ++i;
        while (i < line.size() && line[i] == ' ') ++i;
    }
    const std::string_view rest = line.substr(i);
    return rest.rfind("interpolate:", 0) == 0 || rest.rfind("evaluate:", 0) == 0;
}

// A `$` reference found at line[i]; end is one past it.
struct Reference {
    std::string name;
    std::size_t end = 0;
};

// Parses a reference at line[i] == '$' (not followed by '$').
bool parseReference(std::string_view line, std::size_t i, Reference& ref) {
    std::size_t j = i + 1;
    const bool braced = j < line.size() && line[j] == '{';
    if (braced) ++j;
    const std::size_t start = j;
    while (j < line.size() && isWordChar(line[j])) ++j;
    if (j == start) return false;
    ref.name = std::string(line.substr(start, j - start));
    if (braced && j < line.size() && line[j] == '}') ++j;
    ref.end = j;
    return true;
}

std::string valueText(const Value& v) {
    std::string s = v.toText();
    if (s.find_first_of("\n\"'|") != std::string::npos) return yamlQuoted(s);
    return s;
}

// Runs the substitution over every line; `onUnknown` decides what an
// unknown name becomes.
template <typename OnRef>
std::string substitute(std::string_view text, bool skipResolverLines, OnRef onRef) {
    std::string out;
    out.reserve(text.size());
    int lineNo = 1;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        const std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (skipResolverLines && isResolverLine(line)) {
            out += line;
        } else {
            for (std::size_t i = 0; i < line.size(); ++i) {
                if (line[i] != '$') {
                    out += line[i];
                    continue;
                }
                if (i + 1 < line.size() && line[i + 1] == '$') {
                    out += "$$";
                    ++i;
                    continue;
                }
                Reference ref;
                if (!parseReference(line, i, ref)) {
                    out += '$';
                    continue;
                }
                out += onRef(ref.name, std::string(line.substr(i, ref.end - i)), lineNo, static_cast<int>(i) + 1);
                i = ref.end - 1;
            }
        }
        if (nl == std::string_view::npos) break;
        out += '\n';
        pos = nl + 1;
        ++lineNo;
    }
    return out;
}

}  // namespace

InterpolationResult interpolateVariables(std::string_view text, const VariableLookup& lookup, bool skipResolverLines) {
    InterpolationResult r;
    r.text = substitute(text, skipResolverLines,
                        [&](const std::string& name, const std::string& original, int line, int column) {
                            const Value* v = lookup(name);
                            if (!v) {
                                r.errors.push_back({line, column, "Undeclared variable '" + name + "'"});
                                return original;
                            }
                            if (v->toText().empty()) {
                                r.warnings.push_back(
                                    {line, column, "Value for " + name + " is not set. Substituting with an empty string."});
                                return std::string();
                            }
                            return valueText(*v);
                        });
    return r;
}

std::string substituteKnown(std::string_view text, const VariableLookup& lookup) {
    return substitute(text, false, [&](const std::string& name, const std::string& original, int, int) {
        const Value* v = lookup(name);
        return v ? valueText(*v) : original;
    });
}

std::string escapeDollars(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') ++i;
    }
    return out;
}

std::string yamlQuoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static const char* hex = "0123456789abcdef";
                out += "\\x";
                out += hex[(c >> 4) & 15];
                out += hex[c & 15];
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

}  // namespace kontena::stacks
