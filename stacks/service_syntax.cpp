#include "stacks/service_syntax.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kontena::stacks {
namespace {

bool allDigits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::optional<int> portNumber(const std::string& s) {
    if (!allDigits(s) || s.size() > 5) return std::nullopt;
    const int n = std::stoi(s);
    if (n < 1 || n > 65535) return std::nullopt;
    return n;
}

bool isIpv4(const std::string& s) {
    int parts = 0;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        std::size_t dot = s.find('.', pos);
        const std::string part = s.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        if (!allDigits(part) || part.size() > 3) return false;
        ++parts;
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return parts == 4;
}

}  // namespace

std::string normalizeImage(const std::string& image) {
    if (image.find(':') != std::string::npos) return image;
    return image + ":latest";
}

std::optional<PortSpec> parsePort(const std::string& text) {
    PortSpec p;
    std::string rest = text;
    const std::size_t slash = rest.find('/');
    if (slash != std::string::npos) {
        p.protocol = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (p.protocol.empty()) p.protocol = "tcp";  // "80:80/" is accepted by the CLI's pattern
        if (
            !std::all_of(p.protocol.begin(), p.protocol.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; })) {
            return std::nullopt;
        }
    }
    std::vector<std::string> parts;
    std::size_t pos = 0;
    for (;;) {
        std::size_t colon = rest.find(':', pos);
        parts.push_back(rest.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos));
        if (colon == std::string::npos) break;
        pos = colon + 1;
    }
    if (parts.size() == 3 && (parts[0].empty() || isIpv4(parts[0]))) {
        if (!parts[0].empty()) p.ip = parts[0];
        parts.erase(parts.begin());
    }
    if (parts.size() != 2) return std::nullopt;
    auto node = portNumber(parts[0]), container = portNumber(parts[1]);
    if (!node || !container) return std::nullopt;
    p.nodePort = *node;
    p.containerPort = *container;
    return p;
}

std::optional<std::int64_t> parseMemory(const std::string& text) {
    std::string digits = text;
    std::int64_t unit = 1;
    if (!digits.empty() && !std::isdigit(static_cast<unsigned char>(digits.back()))) {
        const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(digits.back())));
        digits.pop_back();
        switch (u) {
        case 'b': unit = 1; break;
        case 'k': unit = 1024; break;
        case 'm': unit = 1024 * 1024; break;
        case 'g': unit = 1024LL * 1024 * 1024; break;
        default: return std::nullopt;
        }
    }
    if (!allDigits(digits) || digits.size() > 15) return std::nullopt;
    const std::int64_t n = std::stoll(digits);
    if (n > INT64_MAX / unit) return std::nullopt;
    return n * unit;
}

std::optional<Duration> parseDuration(const std::string& text) {
    if (allDigits(text) && text.size() <= 12) return Duration::seconds(std::stoll(text));
    if (text.empty()) return std::nullopt;
    static const std::pair<const char*, double> units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"ms", 1.0},
                                                           {"s", 1e3},   {"m", 6e4},   {"h", 3.6e6}};
    double totalMs = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = i;
        while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
        if (j == i) return std::nullopt;
        const std::string number = text.substr(i, j - i);
        if (std::count(number.begin(), number.end(), '.') > 1 || number.size() > 15) return std::nullopt;
        bool found = false;
        for (const auto& [name, ms] : units) {
            const std::string u = name;
            if (text.compare(j, u.size(), u) == 0) {
                // "m" must not steal the "m" of "ms"
                if (u == "m" && text.compare(j, 2, "ms") == 0) continue;
                totalMs += std::stod(number) * ms;
                j += u.size();
                found = true;
                break;
            }
        }
        if (!found) return std::nullopt;
        i = j;
    }
    if (totalMs > 1e15) return std::nullopt;
    return Duration::millis(static_cast<std::int64_t>(std::llround(totalMs)));
}

std::optional<Duration> parseDeployInterval(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == 0 || i > 12) return std::nullopt;
    const std::int64_t n = std::stoll(text.substr(0, i));
    const std::string unit = text.substr(i);
    if (unit.empty()) return Duration::seconds(n);
    if (unit == "min") return Duration::minutes(n);
    if (unit == "h") return Duration::hours(n);
    if (unit == "d") return Duration::hours(24 * n);
    return std::nullopt;
}

Result<VolumeMount> parseVolumeMount(const std::string& text) {
    const Error bad{"Volume definition '" + text + "' not in right format"};
    std::vector<std::string> parts;
    std::size_t pos = 0;
    for (;;) {
        std::size_t colon = text.find(':', pos);
        parts.push_back(text.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos));
        if (colon == std::string::npos) break;
        pos = colon + 1;
    }
    VolumeMount m;
    if (parts.size() == 1) {
        if (parts[0].empty() || parts[0].front() != '/') return bad;
        m.kind = VolumeKind::Anonymous;
        m.path = parts[0];
        return m;
    }
    if (parts.size() > 3 || parts[0].empty() || parts[1].empty() || parts[1].front() != '/') return bad;
    m.source = parts[0];
    m.path = parts[1];
    m.kind = parts[0].front() == '/' ? VolumeKind::Bind : VolumeKind::Named;
    if (parts.size() == 3) {
        if (parts[2].empty()) return bad;
        m.flags = parts[2];
    }
    return m;
}

std::optional<Link> parseLink(const std::string& text) {
    Link l;
    std::string target = text;
    const std::size_t colon = target.find(':');
    if (colon != std::string::npos) {
        l.alias = target.substr(colon + 1);
        target = target.substr(0, colon);
        if (l.alias.empty()) return std::nullopt;
    }
    const std::size_t slash = target.find('/');
    if (slash != std::string::npos) {
        l.stack = target.substr(0, slash);
        target = target.substr(slash + 1);
        if (l.stack.empty() || target.find('/') != std::string::npos) return std::nullopt;
    }
    if (target.empty()) return std::nullopt;
    l.service = target;
    if (l.alias.empty()) l.alias = target;
    return l;
}

bool isValidStopSignal(const std::string& text) {
    if (allDigits(text)) return text.size() <= 3;
    if (text.rfind("SIG", 0) != 0 || text.size() < 4) return false;
    for (const char* rt : {"SIGRTMIN+", "SIGRTMAX-"}) {
        const std::string p = rt;
        if (text.rfind(p, 0) == 0) return allDigits(text.substr(p.size()));
    }
    return std::all_of(text.begin() + 3, text.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); });
}

bool isValidAffinity(const std::string& rule) {
    return rule.find("==") != std::string::npos || rule.find("!=") != std::string::npos;
}

bool isValidName(const std::string& name) {
    if (name.empty() || name.front() == '-') return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

bool isRecommendedName(const std::string& name) {
    if (name.empty() || name.front() == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
    });
}

std::optional<std::vector<std::string>> shellSplit(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    bool inWord = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (inWord) words.push_back(word);
            word.clear();
            inWord = false;
        } else if (c == '\'') {
            const std::size_t end = text.find('\'', i + 1);
            if (end == std::string::npos) return std::nullopt;
            word += text.substr(i + 1, end - i - 1);
            i = end;
            inWord = true;
        } else if (c == '"') {
            std::size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j) {
                if (text[j] == '\\' && j + 1 < text.size() && std::string("\"\\$`\n").find(text[j + 1]) != std::string::npos) ++j;
                word += text[j];
            }
            if (j >= text.size()) return std::nullopt;
            i = j;
            inWord = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            word += text[++i];
            inWord = true;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (inWord) words.push_back(word);
    return words;
}

std::vector<std::string> parseEnvFile(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::size_t b = 0;
        while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b]))) ++b;
        line = line.substr(b);
        if (!line.empty() && line.front() != '#') out.push_back(line);
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return out;
}

std::string envKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace kontena::stacks
