#pragma once
// IPv4 addresses and networks in CIDR form: the grid subnet, the node
// overlay addresses in its lower half and the IPAM pool in its upper half
// (reference §7.1). Pure arithmetic, shared by IPAM and the overlay.

#include <cstdint>
#include <optional>
#include <string>

namespace kontena {

// An IPv4 network or range in CIDR form.
struct Ipv4Net {
    std::uint32_t base = 0;   // host order, host bits zero
    int prefix = 0;
    std::uint32_t size() const { return prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)); }
    bool contains(std::uint32_t a) const { return (a & mask()) == base; }
    std::uint32_t mask() const { return prefix == 0 ? 0 : ~0u << (32 - prefix); }
};
std::optional<Ipv4Net> parseCidr(const std::string& text);
std::optional<std::uint32_t> parseIpv4(const std::string& text);
std::string formatIpv4(std::uint32_t a);
std::string formatCidr(const Ipv4Net& n);

// Kontena's grid subnet, the default (a grid's `subnet`).
inline constexpr char kDefaultGridSubnet[] = "10.81.0.0/16";
// Node `number`'s overlay address: the subnet's base plus the number, in
// its lower half (node 3 of 10.81.0.0/16 is 10.81.0.3; reference §1.2);
// nullopt when the number does not fit or the subnet is smaller than /30.
std::optional<std::uint32_t> nodeOverlayAddress(const Ipv4Net& subnet, int number);
// How many node numbers (1..N) the lower half of `subnet` holds.
int nodeNumbersIn(const Ipv4Net& subnet);

}  // namespace kontena
