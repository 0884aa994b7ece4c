#include "simulator/scenario_values.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace kontena::sim {
namespace {

constexpr std::int64_t kMaxDurationMs = 100LL * 366 * 24 * 3'600'000;  // ~100 years
constexpr std::int64_t kMaxMemory = 1LL << 50;                          // 1 PiB
constexpr std::size_t kMaxDigits = 15;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }

// Reads digits at `i`; at most kMaxDigits so the value always fits.
std::optional<std::int64_t> readNumber(std::string_view s, std::size_t& i) {
    const std::size_t start = i;
    std::int64_t v = 0;
    while (i < s.size() && isDigit(s[i])) {
        if (i - start >= kMaxDigits) return std::nullopt;
        v = v * 10 + (s[i] - '0');
        ++i;
    }
    if (i == start) return std::nullopt;
    return v;
}

struct Unit {
    std::string_view name;
    std::int64_t factor;
};

// Longest names first so "ms" wins over "m"; rank = position in h, m, s, ms.
constexpr std::array<Unit, 4> kDurationUnits{{{"ms", 1}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}}};
constexpr std::array<int, 4> kDurationRank{3, 0, 1, 2};

}  // namespace

std::string quote(std::string_view text) { return "'" + std::string(text) + "'"; }

Result<Duration> parseDuration(std::string_view text) {
    const std::string bad = "invalid duration " + quote(text) +
                            ": write an integer with a unit (ms, s, m, h), e.g. 1m30s or 250ms";
    if (text.empty()) return Error{"empty duration: write an integer with a unit, e.g. 30s"};
    if (std::all_of(text.begin(), text.end(), isDigit) && text.size() <= kMaxDigits) {
        return Error{"duration " + quote(text) + " has no unit: write e.g. " + std::string(text) + "s"};
    }
    std::int64_t total = 0;
    int lastRank = -1;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto n = readNumber(text, i);
        if (!n) return Error{bad};
        const auto unit = std::find_if(kDurationUnits.begin(), kDurationUnits.end(), [&](const Unit& u) {
            return text.substr(i, u.name.size()) == u.name;
        });
        if (unit == kDurationUnits.end()) return Error{bad};
        const int rank = kDurationRank[static_cast<std::size_t>(unit - kDurationUnits.begin())];
        if (rank <= lastRank) {
            return Error{"invalid duration " + quote(text) + ": units must come in the order h, m, s, ms, each once"};
        }
        lastRank = rank;
        i += unit->name.size();
        if (*n > kMaxDurationMs / unit->factor) return Error{"duration " + quote(text) + " is too long"};
        total += *n * unit->factor;
        if (total > kMaxDurationMs) return Error{"duration " + quote(text) + " is too long"};
    }
    return Duration::millis(total);
}

Result<std::int64_t> parseMemory(std::string_view text) {
    static constexpr std::array<Unit, 5> units{
        {{"B", 1}, {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30}, {"TiB", 1LL << 40}}};
    const std::string bad = "invalid memory size " + quote(text) +
                            ": write an integer with a unit (B, KiB, MiB, GiB, TiB), e.g. 4GiB";
    std::size_t i = 0;
    const auto n = readNumber(text, i);
    if (!n) return Error{bad};
    const std::string_view rest = text.substr(i);
    if (rest.empty()) return Error{"memory size " + quote(text) + " has no unit: write e.g. " + std::string(text) + "MiB"};
    for (const auto& u : units) {
        if (rest != u.name) continue;
        if (*n > kMaxMemory / u.factor) return Error{"memory size " + quote(text) + " is too large (at most 1024TiB)"};
        return *n * u.factor;
    }
    return Error{bad};
}

Result<std::int64_t> parseInteger(std::string_view text, std::int64_t min, std::int64_t max) {
    const std::string range = " (expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ")";
    std::size_t i = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) i = 1;
    const auto n = readNumber(text, i);
    if (!n || i != text.size()) return Error{"invalid integer " + quote(text) + range};
    const std::int64_t v = negative ? -*n : *n;
    if (v < min || v > max) return Error{"integer " + std::string(text) + " is out of range" + range};
    return v;
}

Result<bool> parseBool(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "true" || lower == "yes" || lower == "on") return true;
    if (lower == "false" || lower == "no" || lower == "off") return false;
    return Error{"invalid boolean " + quote(text) + " (expected true or false)"};
}

bool isNodeName(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return isLower(c) || isDigit(c) || c == '-'; });
}

bool isStackName(std::string_view s) {
    if (s.empty() || s[0] == '-' || s == "null") return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return isLower(c) || isDigit(c) || c == '-' || c == '_'; });
}

bool isServiceName(std::string_view s) {
    if (s.empty() || s[0] == '-') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return isLower(c) || isDigit(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    });
}

bool isLabel(std::string_view s) {
    if (s.empty() || s[0] == '=') return false;
    return std::none_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); });
}

Result<ServiceRef> parseServiceRef(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return Error{"invalid service " + quote(text) + ": write STACK/SERVICE"};
    }
    ServiceRef ref{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
    if (!isStackName(ref.stack)) {
        return Error{"invalid service " + quote(text) + ": bad stack name " + quote(ref.stack)};
    }
    if (!isServiceName(ref.service)) {
        return Error{"invalid service " + quote(text) + ": bad service name " + quote(ref.service)};
    }
    return ref;
}

Result<InstanceRef> parseInstanceRef(std::string_view text) {
    const std::string bad = "invalid instance " + quote(text) + ": write STACK/SERVICE-N with N from 1";
    const auto dash = text.rfind('-');
    if (dash == std::string_view::npos) return Error{bad};
    const auto number = parseInteger(text.substr(dash + 1), 1, 100'000);
    if (!number || text[dash + 1] == '0') return Error{bad};  // no leading zeros: one spelling per instance
    auto service = parseServiceRef(text.substr(0, dash));
    if (!service) return Error{bad};
    return InstanceRef{service.value(), static_cast<int>(number.value())};
}

}  // namespace kontena::sim
