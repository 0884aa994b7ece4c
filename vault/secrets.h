#pragma once
// Secrets as services use them (reference §10.1): valid names, and the
// environment entries a container gets from its service's `secrets:` and
// `certificates:` lists. Pure functions: the caller looks values up (the
// master opens them from its store) and hands the result to the agent only
// when a container is created.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/result.h"

namespace kontena::vault {

// Kontena's rule for secret names: `^(?!-)[\w-]+$`, at most 255 characters.
bool isValidSecretName(std::string_view name);

// Looks one secret (or certificate bundle) up by name; nullopt if the vault
// has none of that name.
using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

// The `NAME=value` entries for `service`'s secret references, in the order
// the references first name each variable; several references to the same
// variable are joined with "\n" (how several SSL_CERTS reach a load
// balancer). Errors name the service and the first missing secret or the
// unsupported type; nothing is returned partially.
Result<std::vector<std::string>> secretEnv(const std::string& service, const std::vector<SecretRef>& secrets,
                                           const std::vector<SecretRef>& certificates, const Lookup& secret,
                                           const Lookup& certificate);

}  // namespace kontena::vault
