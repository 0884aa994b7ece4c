#pragma once
// Service discovery names (reference §7.2): which DNS names of the grid
// resolve to which overlay addresses, from the running instances. Pure, so
// the agent (which feeds dnsmasq) and the simulator (which checks names
// follow instances) compute the same records.
//
// Grid g, stack s, service svc, instance n:
//   stack service        svc.s.g.kontena.local, svc-n.s.g.kontena.local
//   ... s exposes svc    also s.g.kontena.local, s-n.g.kontena.local
//   null-stack service   svc.g.kontena.local, svc-n.g.kontena.local,
//                        svc.kontena.local, svc-n.kontena.local
//   etcd                 etcd.kontena.local -> overlay IP of each healthy member
// Only instances that run, have an address and are not unhealthy are named;
// host-network services get no name.

#include <map>
#include <set>
#include <string>
#include <vector>

namespace kontena::dns {

constexpr const char* kDomain = "kontena.local";

struct Endpoint {
    std::string stack = "null";
    std::string service;
    int number = 0;
    std::string address;     // overlay IP; empty: none yet
    bool running = false;
    bool unhealthy = false;
    bool hostNetwork = false;
};

struct GridNames {
    std::string grid;
    std::vector<Endpoint> endpoints;
    std::map<std::string, std::string> exposed;   // stack -> the service it exposes
    std::vector<std::string> etcdMembers;          // overlay IPs of healthy members
};

// name -> addresses (each name lower-case, without a trailing dot).
using Records = std::map<std::string, std::set<std::string>>;

Records records(const GridNames& g);
// The domain of an instance's container: "s.g.kontena.local", or "g.kontena.local" in the null stack.
std::string domainOf(const std::string& grid, const std::string& stack);
// Kontena's limit on the longest instance name of a service (reference
// §6.4): `<service>-<instances>.<domain>` must be at most 64 characters.
constexpr std::size_t kMaxInstanceName = 64;
// The name of the service's highest-numbered instance.
std::string longestInstanceName(const std::string& grid, const std::string& stack, const std::string& service, int instances);
// Empty when the name fits, else Kontena's message: "Total grid service name
// length 65 is over limit (64): <name>".
std::string nameLengthProblem(const std::string& grid, const std::string& stack, const std::string& service, int instances);

// A dnsmasq hosts file (--hostsdir): one "ADDRESS NAME" line per pair, sorted.
std::string hostsFile(const Records& r);

}  // namespace kontena::dns
