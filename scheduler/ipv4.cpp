#include "scheduler/ipv4.h"

#include <charconv>
#include <string_view>

namespace kontena {

namespace {

bool parseOctet(std::string_view s, std::uint32_t& out) {
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s.front() == '0')) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out <= 255;
}

}  // namespace

std::optional<std::uint32_t> parseIpv4(const std::string& text) {
    std::uint32_t out = 0;
    std::string_view rest = text;
    for (int i = 0; i < 4; ++i) {
        const auto dot = rest.find('.');
        if ((i < 3) == (dot == std::string_view::npos)) return std::nullopt;
        std::uint32_t octet = 0;
        if (!parseOctet(rest.substr(0, dot), octet)) return std::nullopt;
        out = (out << 8) | octet;
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    }
    return out;
}

std::optional<Ipv4Net> parseCidr(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) return std::nullopt;
    const auto base = parseIpv4(text.substr(0, slash));
    int prefix = -1;
    const std::string p = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (!base || ec != std::errc() || ptr != p.data() + p.size() || p.empty() || prefix < 0 || prefix > 32) return std::nullopt;
    Ipv4Net n{0, prefix};
    if ((*base & ~n.mask()) != 0) return std::nullopt;   // host bits set: not a network
    n.base = *base;
    return n;
}

std::string formatIpv4(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
           std::to_string(a & 255);
}

std::string formatCidr(const Ipv4Net& n) { return formatIpv4(n.base) + "/" + std::to_string(n.prefix); }

int nodeNumbersIn(const Ipv4Net& subnet) {
    if (subnet.prefix < 1 || subnet.prefix > 30) return 0;
    return static_cast<int>(subnet.size() / 2 - 1);
}

std::optional<std::uint32_t> nodeOverlayAddress(const Ipv4Net& subnet, int number) {
    if (number < 1 || number > nodeNumbersIn(subnet)) return std::nullopt;
    return subnet.base + static_cast<std::uint32_t>(number);
}

}  // namespace kontena
