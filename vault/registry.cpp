#include "vault/registry.h"

#include <algorithm>
#include <cctype>

namespace kontena::vault {

namespace {

constexpr std::size_t kMaxUser = 255;
constexpr std::size_t kMaxPassword = 4096;

bool hostChar(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.'; }

Error urlError(const std::string& what) { return Error{"url: " + what}; }

// "host" or "host:port", lower-cased; empty when it is neither.
std::string hostPort(std::string_view authority) {
    const std::size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty() || host.front() == '.' || host.front() == '-' || !std::all_of(host.begin(), host.end(), hostChar)) return {};
    if (colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; })) return {};
        if (std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) return {};
    }
    std::string out(authority);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return out;
}

}  // namespace

Result<std::string> registryName(std::string_view url) {
    std::string_view rest;
    if (url.starts_with("https://")) rest = url.substr(8);
    else if (url.starts_with("http://")) rest = url.substr(7);
    else return urlError("must start with https:// or http://");
    const std::string_view authority = rest.substr(0, rest.find('/'));
    if (authority.find('@') != std::string_view::npos) return urlError("must not carry user information (use username and password)");
    std::string name = hostPort(authority);
    if (name.empty()) return urlError("must name a host (and an optional port)");
    return name;
}

Result<std::string> checkCredentials(const RegistryCredentials& c) {
    auto name = registryName(c.url);
    if (!name) return name;
    if (c.username.empty() || c.username.size() > kMaxUser) return Error{"username: must be 1-255 bytes"};
    if (c.password.empty() || c.password.size() > kMaxPassword) return Error{"password: must be 1-4096 bytes"};
    if (c.email.size() > kMaxUser || (!c.email.empty() && c.email.find('@') == std::string::npos)) return Error{"email: must be an address with an @"};
    return name;
}

}  // namespace kontena::vault
