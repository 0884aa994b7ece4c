#pragma once
// Names every part of the platform must agree on (reference 7.2, 6.4):
// DNS names of services, instances and exposed stacks, and the 64-character
// limit on fully qualified instance names. The null stack is "null" or "".

#include <optional>
#include <string>
#include <vector>

namespace kontena::stacks {

constexpr std::size_t kMaxInstanceNameLength = 64;

bool isNullStack(const std::string& stack);

// "s.g.kontena.local"; the null stack: "g.kontena.local".
std::string stackDomain(const std::string& grid, const std::string& stack);

// "svc-n".
std::string instanceHostname(const std::string& service, int instance);

// "svc-n.<stack domain>".
std::string instanceFqdn(const std::string& grid, const std::string& stack, const std::string& service, int instance);

// Every DNS name registered for instance n of a service (all resolve to the
// container's overlay address), in this order:
//   stack service:  svc.s.g.kontena.local, svc-n.s.g.kontena.local
//                   (+ s.g.kontena.local, s-n.g.kontena.local if the stack exposes svc)
//   null stack:     svc.g.kontena.local, svc-n.g.kontena.local,
//                   svc.kontena.local, svc-n.kontena.local
std::vector<std::string> instanceDnsNames(const std::string& grid, const std::string& stack, const std::string& service,
                                          int instance, bool exposed);

// Length of the longest fully qualified instance name of a service scaled
// to `instances` (the name of instance `instances`).
std::size_t instanceNameLength(const std::string& grid, const std::string& stack, const std::string& service,
                               int instances);

// nullopt if within the limit, else the message
// "Total grid service name length 65 is over limit (64): <fqdn>".
std::optional<std::string> checkInstanceNameLength(const std::string& grid, const std::string& stack,
                                                   const std::string& service, int instances);

}  // namespace kontena::stacks
