#include "lb/lb_model.h"

#include <algorithm>

namespace kontena::lb {

namespace {

std::string envValue(const std::vector<std::string>& env, const std::string& key) {
    const std::string prefix = key + "=";
    for (const auto& e : env)
        if (e.rfind(prefix, 0) == 0) return e.substr(prefix.size());
    return {};
}

int internalPort(const std::vector<std::string>& env) {
    try {
        const int p = std::stoi(envValue(env, "KONTENA_LB_INTERNAL_PORT"));
        return p > 0 && p < 65536 ? p : 80;
    } catch (...) {
        return 80;
    }
}

}  // namespace

bool isLoadBalancer(const ServiceSpec& spec) {
    // The repository without its tag: "registry:5000/kontena/lb:1.2" -> ".../kontena/lb".
    std::string repo = spec.image;
    const auto slash = repo.rfind('/');
    const auto colon = repo.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repo.resize(colon);
    const bool image = repo == "kontena/lb" || (repo.size() > 11 && repo.compare(repo.size() - 11, 11, "/kontena/lb") == 0);
    return image || envValue(spec.env, "KONTENA_SERVICE_ROLE") == "lb";
}

std::optional<std::string> linkedLoadBalancer(const ServiceSpec& backend,
                                              const std::function<const ServiceSpec*(const std::string& key)>& lookup) {
    for (const Link& l : backend.links) {
        const std::string key = serviceKey(l.stack.empty() ? backend.stack : l.stack, l.service);
        const ServiceSpec* target = lookup(key);
        if (target && isLoadBalancer(*target)) return key;
    }
    return std::nullopt;
}

std::vector<Backend> backendsFor(const std::vector<LinkedService>& linked) {
    std::vector<Backend> out;
    for (const LinkedService& s : linked) {
        std::vector<Upstream> upstreams;
        const std::string port = std::to_string(internalPort(s.env));
        for (const BackendInstance& i : s.instances) {
            if (!s.secretsWithheld && i.running && !i.unhealthy && !i.address.empty()) upstreams.push_back({i.container, i.address + ":" + port});
        }
        Backend b = backendFromEnv(backendName(s.stack, s.name), s.env, std::move(upstreams));
        if (auto* h = std::get_if<HttpBackend>(&b); h && s.healthCheck && s.healthCheck->protocol == "http") {
            h->healthCheckUri = s.healthCheck->uri.empty() ? "/" : s.healthCheck->uri;
            h->healthCheckPort = s.healthCheck->port;
        }
        out.push_back(std::move(b));
    }
    std::sort(out.begin(), out.end(), [](const Backend& a, const Backend& b) {
        return std::visit([](const auto& x) { return x.name; }, a) < std::visit([](const auto& x) { return x.name; }, b);
    });
    return out;
}

std::map<int, std::vector<std::string>> publishedBinds(const std::vector<PortSpec>& ports) {
    std::map<int, std::vector<std::string>> out;
    for (const PortSpec& p : ports) {
        if (p.protocol != "tcp" || p.nodePort <= 0 || p.containerPort <= 0) continue;
        out[p.containerPort].push_back((p.ip.empty() ? std::string("0.0.0.0") : p.ip) + ":" + std::to_string(p.nodePort));
    }
    return out;
}

std::string loopbackAddress(const std::string& containerName) {
    std::uint32_t h = 2166136261u;   // FNV-1a: stable across builds and runs
    for (unsigned char c : containerName) h = (h ^ c) * 16777619u;
    // 127.64.0.0/10 minus the .0 and .255 host parts.
    const std::uint32_t a = 64 + ((h >> 16) & 63), b = (h >> 8) & 255, c = 1 + (h & 255) % 254;
    return "127." + std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
}

std::vector<std::string> splitCertificates(const std::string& pem) {
    std::vector<std::string> out;
    std::string current;
    std::size_t pos = 0;
    while (pos < pem.size()) {
        auto eol = pem.find('\n', pos);
        if (eol == std::string::npos) eol = pem.size();
        const std::string line = pem.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos && current.empty()) continue;
        current += line + "\n";
        if (line.rfind("-----END ", 0) == 0 && line.find("PRIVATE KEY-----") != std::string::npos) {
            if (current.find("-----BEGIN CERTIFICATE-----") != std::string::npos) out.push_back(current);
            current.clear();
        }
    }
    return out;
}

}  // namespace kontena::lb
