#include "stacks/names.h"

#include <algorithm>

namespace kontena::stacks {

bool isNullStack(const std::string& stack) { return stack.empty() || stack == "null"; }

std::string stackDomain(const std::string& grid, const std::string& stack) {
    if (isNullStack(stack)) return grid + ".kontena.local";
    return stack + "." + grid + ".kontena.local";
}

std::string instanceHostname(const std::string& service, int instance) {
    return service + "-" + std::to_string(instance);
}

std::string instanceFqdn(const std::string& grid, const std::string& stack, const std::string& service, int instance) {
    return instanceHostname(service, instance) + "." + stackDomain(grid, stack);
}

std::vector<std::string> instanceDnsNames(const std::string& grid, const std::string& stack, const std::string& service,
                                          int instance, bool exposed) {
    const std::string domain = stackDomain(grid, stack);
    const std::string host = instanceHostname(service, instance);
    std::vector<std::string> names = {service + "." + domain, host + "." + domain};
    if (isNullStack(stack)) {
        names.push_back(service + ".kontena.local");
        names.push_back(host + ".kontena.local");
    } else if (exposed) {
        names.push_back(domain);
        names.push_back(stack + "-" + std::to_string(instance) + "." + grid + ".kontena.local");
    }
    return names;
}

std::size_t instanceNameLength(const std::string& grid, const std::string& stack, const std::string& service,
                               int instances) {
    return instanceFqdn(grid, stack, service, std::max(instances, 1)).size();
}

std::optional<std::string> checkInstanceNameLength(const std::string& grid, const std::string& stack,
                                                   const std::string& service, int instances) {
    const std::size_t length = instanceNameLength(grid, stack, service, instances);
    if (length <= kMaxInstanceNameLength) return std::nullopt;
    return "Total grid service name length " + std::to_string(length) + " is over limit (" +
           std::to_string(kMaxInstanceNameLength) + "): " + instanceFqdn(grid, stack, service, std::max(instances, 1));
}

}  // namespace kontena::stacks
