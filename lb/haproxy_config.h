#pragma once
// Kontena's load balancer (`kontena/lb`, reference §9) as a pure function:
// the backends linked to an LB, with their KONTENA_LB_* settings and their
// healthy upstreams, rendered into an HAProxy 2.6 configuration.
// Kontena's template targeted HAProxy 1.x; `reqadd`/`reqrep` are gone in
// 2.x and are expressed with `http-request` rules here, with the same
// effect for users.
//
// Same input, same text: backends and upstreams are sorted by name, so a
// config is rewritten (and HAProxy reloaded) only when something changed.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kontena::lb {

struct Upstream {
    std::string name;      // container name, e.g. "shop.web-1"
    std::string address;   // "10.81.128.4:8080"
};

// An http-mode backend (reference §9.2).
struct HttpBackend {
    std::string name;                        // "svc" (null stack) or "stack-svc"
    std::string balance = "roundrobin";
    std::vector<std::string> virtualHosts;   // "*.example.com" matches any subdomain
    std::vector<std::string> virtualPaths;   // path prefixes; "/" when neither hosts nor paths are set
    bool keepVirtualPath = false;            // false: the matched prefix is stripped
    std::optional<std::string> cookie;       // set (even empty): sticky sessions
    std::string basicAuthSecrets;            // userlist lines (a secret: only in the 0600 config file)
    std::string customSettings;              // lines appended to the backend
    std::string healthCheckUri;
    int healthCheckPort = 0;
    std::vector<Upstream> upstreams;
};

// A tcp-mode service: its own listener.
struct TcpService {
    std::string name;
    int externalPort = 5000;
    std::string balance = "roundrobin";
    std::string customSettings;
    std::vector<Upstream> upstreams;
};

using Backend = std::variant<HttpBackend, TcpService>;

// The LB service's own settings (reference §9.3) and where it listens.
struct LbSettings {
    std::vector<std::string> certificates;   // PEM files (written by the LB from SSL_CERTS / SSL_CERT_*)
    bool http2 = true;
    bool acceptProxy = false;
    std::string healthUri;
    std::string sslCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                             "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    std::string customSettings;   // appended to defaults
    std::string globalSettings;   // appended to global
    std::string statsPassword = "secret";
    // ACME_CHALLENGE_<token>=<key authorization>: answered at
    // /.well-known/acme-challenge/<token> (http-01), before any backend.
    std::map<std::string, std::string> acmeChallenges;
    std::string syslogTarget = "127.0.0.1 local1 info";
    std::string adminSocket;      // stats socket with expose-fd listeners (empty: none)
    // Kontena's 100,000; HAProxy needs about 2.5 file descriptors per
    // connection (sockets and splice pipes) and refuses to start when the hard limit is lower, so the
    // agent lowers it to what the node allows (maxconnFor).
    int maxconn = 100000;
    std::string bindAddress = "*";
    int httpPort = 80, httpsPort = 443, statsPort = 1000;
    // More addresses for a port (published on the node): port -> "ip:node_port".
    std::map<int, std::vector<std::string>> published;
};

struct LbConfig {
    LbSettings settings;
    std::vector<Backend> backends;
};

// The backend a linked service becomes, from its environment ("KEY=VALUE"
// entries) as reference §9.2 reads it. `name` is service_name_for_lb.
Backend backendFromEnv(const std::string& name, const std::vector<std::string>& env, std::vector<Upstream> upstreams);
// The LB's settings from its own environment (reference §9.3); `certificates`
// are the PEM files already written from SSL_CERTS / SSL_CERT_*.
LbSettings settingsFromEnv(const std::vector<std::string>& env, std::vector<std::string> certificates);
// KONTENA_LB_BASIC_AUTH_SECRETS as the HAProxy userlist lines it may hold:
// `user NAME password CRYPT` or `user NAME insecure-password PASS`, each
// optionally followed by `groups G[,G...]`, and `group NAME [users U[,U...]]`
// (quoted words count as one). Any other line is left out and counted in
// `dropped`, never quoted: it may hold a password, and no other HAProxy
// keyword can reach the config through a secret. A backend whose secrets
// give no valid user gets an empty userlist: every request is refused with
// 401, never let through without the authentication it asked for.
std::vector<std::string> userlistLines(const std::string& secrets, int* dropped = nullptr);

// "svc" for the null stack, "stack-svc" otherwise.
std::string backendName(const std::string& stack, const std::string& service);

// The largest maxconn a hard file-descriptor limit allows (at most 100,000).
int maxconnFor(long fdHardLimit);

// The HAProxy configuration.
std::string render(const LbConfig& config);

}  // namespace kontena::lb
