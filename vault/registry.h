#pragma once
// External registry credentials (reference §11.3 `external_registries`):
// what `kontena external-registry add` stores in the grid vault, and the
// name a registry is known by. The password is the secret part; the
// master seals the whole record and answers only url, username and email.
//
// No Qt and no I/O. Error messages name the field and never contain the
// password.

#include <string>
#include <string_view>

#include "scheduler/result.h"

namespace kontena::vault {

struct RegistryCredentials {
    std::string url;        // "https://registry.example.com:5000"
    std::string username;
    std::string password;   // the secret
    std::string email;      // optional
};

// A registry's name, as images name it: the URL's host, with ":port" when
// the URL gives one ("https://Registry.example.com:5000/v2/" ->
// "registry.example.com:5000"). The URL must be http:// or https://, have
// a host and no user information. Errors name `url`.
Result<std::string> registryName(std::string_view url);

// Checks a credentials record: a valid url, a username and a password (at
// most 255 and 4096 bytes), an optional email. Errors name the field.
Result<std::string> checkCredentials(const RegistryCredentials& c);   // the registry's name

}  // namespace kontena::vault
