#include "stacks/diagnostics.h"

#include <algorithm>

namespace kontena::stacks {

std::string Diagnostic::format() const {
    std::string out;
    if (!pos.file.empty()) {
        out += pos.file;
        if (pos.line > 0) {
            out += ":" + std::to_string(pos.line);
            if (pos.column > 0) out += ":" + std::to_string(pos.column);
        }
        out += ": ";
    }
    if (severity == Severity::Warning) out += "warning: ";
    if (severity == Severity::Notice) out += "notice: ";
    if (!path.empty()) out += path + ": ";
    out += message;
    return out;
}

void Diagnostics::error(const SourcePos& pos, std::string path, std::string message) {
    add({Severity::Error, pos, std::move(path), std::move(message)});
}

void Diagnostics::warning(const SourcePos& pos, std::string path, std::string message) {
    add({Severity::Warning, pos, std::move(path), std::move(message)});
}

void Diagnostics::notice(const SourcePos& pos, std::string path, std::string message) {
    add({Severity::Notice, pos, std::move(path), std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Diagnostics::remapLines(std::size_t from, const std::string& file, const std::function<int(int)>& map) {
    for (std::size_t i = from; i < items_.size(); ++i) {
        if (items_[i].pos.file == file && items_[i].pos.line > 0) items_[i].pos.line = map(items_[i].pos.line);
    }
}

bool Diagnostics::hasErrors() const { return errorCount() > 0; }

std::size_t Diagnostics::errorCount() const {
    return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(),
                                                  [](const Diagnostic& d) { return d.severity == Severity::Error; }));
}

std::string Diagnostics::format() const {
    std::string out;
    for (const auto& d : items_) out += d.format() + "\n";
    return out;
}

std::string quoteForMessage(const std::string& s) {
    constexpr std::size_t kMax = 80;
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > kMax) out += "...";
    out += "\"";
    return out;
}

}  // namespace kontena::stacks
