#include "vault/secrets.h"

#include <cctype>
#include <map>

namespace kontena::vault {

bool isValidSecretName(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '-') return false;
    for (unsigned char c : name) {
        if (!std::isalnum(c) && c != '_' && c != '-') return false;
    }
    return true;
}

namespace {

// Appends each reference's value under its variable name; false with `error` set on the first problem.
bool collect(const std::string& service, const std::vector<SecretRef>& refs, const Lookup& lookup, const char* what,
             std::vector<std::string>& order, std::map<std::string, std::string>& values, std::string& error) {
    for (const auto& ref : refs) {
        if (ref.type != "env") {
            error = "Cannot deploy " + service + ": " + what + " " + ref.secret + " has type '" + ref.type + "' (only env is supported)";
            return false;
        }
        auto value = lookup(ref.secret);
        if (!value) {
            error = "Cannot deploy " + service + ": " + what + " " + ref.secret + " does not exist in the vault";
            return false;
        }
        auto it = values.find(ref.name);
        if (it != values.end()) {
            it->second += "\n" + *value;
        } else {
            values.emplace(ref.name, std::move(*value));
            order.push_back(ref.name);
        }
    }
    return true;
}

}  // namespace

Result<std::vector<std::string>> secretEnv(const std::string& service, const std::vector<SecretRef>& secrets,
                                           const std::vector<SecretRef>& certificates, const Lookup& secret,
                                           const Lookup& certificate) {
    std::vector<std::string> order;
    std::map<std::string, std::string> values;
    std::string error;
    if (!collect(service, secrets, secret, "secret", order, values, error)) return Error{error};
    if (!collect(service, certificates, certificate, "certificate", order, values, error)) return Error{error};
    std::vector<std::string> env;
    env.reserve(order.size());
    for (const auto& name : order) env.push_back(name + "=" + values.at(name));
    return env;
}

}  // namespace kontena::vault
