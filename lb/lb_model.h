#pragma once
// What a load balancer is in the grid's model, decided once for the master
// and the agent (reference §9.1), and the pure step from "the services
// linked to an LB and their instances" to the LbConfig that render() turns
// into HAProxy's text. No Qt, no I/O.
//
// The one decision: a service is a load balancer iff isLoadBalancer(spec).
// Its instances are ordinary pods for the master (placed, deployed and
// reported like any other); the agent runs each as a supervised HAProxy
// instead of a Docker container (agent/lb_runtime.h).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lb/haproxy_config.h"
#include "scheduler/model.h"

namespace kontena::lb {

// Image `kontena/lb` (any tag, any registry prefix) or env KONTENA_SERVICE_ROLE=lb.
bool isLoadBalancer(const ServiceSpec& spec);

// The key ("stack/name") of the LB `backend` links to: the first link whose
// target is a load balancer (`lookup` gives a service's spec by key, null
// when there is none). nullopt: not load balanced.
std::optional<std::string> linkedLoadBalancer(const ServiceSpec& backend,
                                              const std::function<const ServiceSpec*(const std::string& key)>& lookup);

// One instance of a linked service, as the LB's node sees it.
struct BackendInstance {
    std::string container;   // "stack.svc-2"
    std::string address;     // "172.17.0.3" (empty: not reachable from this node)
    bool running = false;
    bool unhealthy = false;  // the last health check failed
};

// A service linked to the LB: its KONTENA_LB_* environment (with the values
// of its `secrets:` named KONTENA_LB_*, e.g. KONTENA_LB_BASIC_AUTH_SECRETS
// from the vault), its http health check (→ `option httpchk`) and its
// instances. `secretsWithheld`: one of those secrets could not be read, so
// the backend gets no upstreams (503) rather than run without, say, the
// basic authentication it asked for.
struct LinkedService {
    std::string stack = "null";
    std::string name;
    std::vector<std::string> env;
    std::optional<HealthCheck> healthCheck;
    std::vector<BackendInstance> instances;
    bool secretsWithheld = false;
};

// Upstreams are the running, not unhealthy instances with an address, at
// `address:KONTENA_LB_INTERNAL_PORT` (default 80), none when the service's
// secrets are withheld; backends sorted by name.
std::vector<Backend> backendsFor(const std::vector<LinkedService>& linked);

// Where the LB "container"'s ports are bound on the node: a published port
// (`ip:node_port:container_port`) binds `ip:node_port` for its container
// port.
std::map<int, std::vector<std::string>> publishedBinds(const std::vector<PortSpec>& ports);

// The LB instance's own loopback address (127.64.0.0/10 of lo, derived from
// its container name), standing in for a container address: every port of
// the LB (80, 443, 1000, tcp external ports) is bound there, published or not.
std::string loopbackAddress(const std::string& containerName);

// SSL_CERTS holds one or more PEM bundles (certificate, chain, key last):
// split after each "-----END ... PRIVATE KEY-----" line (reference §9.3).
// Bundles without a certificate and a key are left out.
std::vector<std::string> splitCertificates(const std::string& pem);

}  // namespace kontena::lb
