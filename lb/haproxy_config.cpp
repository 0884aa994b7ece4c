#include "lb/haproxy_config.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

namespace kontena::lb {

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos) continue;
        const auto e = line.find_last_not_of(" \t\r");
        out.push_back(line.substr(b, e - b + 1));
    }
    return out;
}

std::vector<std::string> commaList(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto b = item.find_first_not_of(" \t");
        if (b == std::string::npos) continue;
        out.push_back(item.substr(b, item.find_last_not_of(" \t") - b + 1));
    }
    return out;
}

std::map<std::string, std::string> envMap(const std::vector<std::string>& env) {
    std::map<std::string, std::string> m;
    for (const auto& e : env) {
        const auto eq = e.find('=');
        if (eq != std::string::npos && eq > 0) m[e.substr(0, eq)] = e.substr(eq + 1);
    }
    return m;
}

std::string get(const std::map<std::string, std::string>& m, const std::string& key, const std::string& dflt = {}) {
    auto it = m.find(key);
    return it == m.end() || it->second.empty() ? dflt : it->second;
}

bool truthy(const std::string& v) { return v == "true" || v == "1" || v == "yes"; }

int portOr(const std::string& v, int dflt) {
    try {
        const int p = std::stoi(v);
        return p > 0 && p < 65536 ? p : dflt;
    } catch (...) {
        return dflt;
    }
}

bool isAcmeWord(const std::string& w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; });
}

const std::string& nameOf(const Backend& b) {
    return std::visit([](const auto& x) -> const std::string& { return x.name; }, b);
}

// "*.example.com" -> suffix match; others exact (case-insensitive, port stripped first).
std::string hostAcl(const HttpBackend& b) {
    std::string exact, suffix;
    for (const auto& h : b.virtualHosts) {
        if (h.rfind("*.", 0) == 0) suffix += " " + h.substr(1);
        else exact += " " + h;
    }
    std::string out;
    if (!exact.empty()) out += "    acl host_" + b.name + " hdr(host) -i" + exact + "\n";
    if (!suffix.empty()) out += "    acl host_" + b.name + " hdr_end(host) -i" + suffix + "\n";
    return out;
}

std::string pathAcl(const HttpBackend& b) {
    std::string out = "    acl path_" + b.name + " path_beg";
    for (const auto& p : b.virtualPaths) out += " " + p;
    return out + "\n";
}

// `bind` lines of one port: the LB's own address, then where it is published.
std::string binds(const LbSettings& s, int port, const std::string& options = {}) {
    std::string out = "    bind " + s.bindAddress + ":" + std::to_string(port) + options + "\n";
    if (auto it = s.published.find(port); it != s.published.end()) {
        for (const auto& b : it->second) out += "    bind " + b + options + "\n";
    }
    return out;
}

void renderGlobal(std::ostream& o, const LbSettings& s) {
    o << "global\n    maxconn " << s.maxconn << "\n";
    if (!s.adminSocket.empty()) o << "    stats socket " << s.adminSocket << " mode 600 level admin expose-fd listeners\n";
    o << "    ssl-default-bind-ciphers " << s.sslCiphers << "\n";
    o << "    ssl-default-bind-options no-sslv3 no-tlsv10 no-tlsv11\n";
    o << "    tune.ssl.default-dh-param 2048\n";
    o << "    log " << s.syslogTarget << "\n";
    for (const auto& l : lines(s.globalSettings)) o << "    " << l << "\n";
    o << "\ndefaults\n    mode http\n    log global\n    option splice-auto\n    option http-keep-alive\n"
         "    option redispatch\n    option httplog\n    retries 3\n    timeout http-request 5s\n    timeout queue 1m\n"
         "    timeout connect 5s\n    timeout client 1m\n    timeout server 1m\n    timeout http-keep-alive 10s\n"
         "    timeout check 10s\n";
    for (const auto& l : lines(s.customSettings)) o << "    " << l << "\n";
}

// Routing precedence (§9.5): hosts and paths, then hosts only, then paths only.
void renderRoutes(std::ostream& o, const std::vector<const HttpBackend*>& http) {
    for (const auto* b : http) {
        if (!b->virtualHosts.empty()) o << hostAcl(*b);
        if (!b->virtualPaths.empty()) o << pathAcl(*b);
    }
    for (const auto* b : http) {
        if (!b->virtualHosts.empty() && !b->virtualPaths.empty()) o << "    use_backend " << b->name << " if host_" << b->name << " path_" << b->name << "\n";
    }
    for (const auto* b : http) {
        if (!b->virtualHosts.empty() && b->virtualPaths.empty()) o << "    use_backend " << b->name << " if host_" << b->name << "\n";
    }
    for (const auto* b : http) {
        if (b->virtualHosts.empty() && !b->virtualPaths.empty()) o << "    use_backend " << b->name << " if path_" << b->name << "\n";
    }
}

void renderFrontend(std::ostream& o, const LbSettings& s, const std::vector<const HttpBackend*>& http) {
    const std::string proxy = s.acceptProxy ? " accept-proxy" : "";
    o << "\nlisten http-in\n" << binds(s, s.httpPort, proxy);
    if (!s.certificates.empty()) {
        std::string ssl = " ssl";
        for (const auto& c : s.certificates) ssl += " crt " + c;
        if (s.http2) ssl += " alpn h2,http/1.1";
        o << binds(s, s.httpsPort, ssl + proxy);
        o << "    http-request set-header X-Forwarded-Proto https if { ssl_fc }\n";
        o << "    http-request set-header X-Forwarded-Port %[dst_port] if { ssl_fc }\n";
    }
    if (!s.healthUri.empty()) o << "    monitor-uri " << s.healthUri << "\n";
    for (const auto& [token, answer] : s.acmeChallenges) {
        o << "    http-request return status 200 content-type text/plain string " << answer << " if { path /.well-known/acme-challenge/"
          << token << " }\n";
    }
    o << "    http-request replace-header Host ^([^:]*):.*$ \\1\n";   // match hosts without their port
    renderRoutes(o, http);
}

// Kontena's order (http_backends.text.erb): forwardfor, custom settings,
// cookie, balance, auth, path rewrite, health check, servers — each checked
// by HAProxy (`check`: a TCP connect unless an http health check is set).
void renderHttpBackend(std::ostream& o, const HttpBackend& b) {
    o << "\nbackend " << b.name << "\n    option forwardfor\n";
    for (const auto& l : lines(b.customSettings)) o << "    " << l << "\n";
    if (b.cookie) o << "    " << (b.cookie->empty() ? "cookie KONTENA_SERVERID insert indirect nocache" : *b.cookie) << "\n";
    o << "    balance " << b.balance << "\n";
    if (!b.basicAuthSecrets.empty()) {
        o << "    acl auth_ok_" << b.name << " http_auth(auth_" << b.name << ")\n";
        o << "    http-request auth realm " << b.name << " if !auth_ok_" << b.name << "\n";
    }
    if (!b.keepVirtualPath) {
        for (const auto& p : b.virtualPaths) {
            if (p == "/") continue;
            const std::string prefix = p.back() == '/' ? p.substr(0, p.size() - 1) : p;
            o << "    http-request replace-path ^" << prefix << "/?(.*)$ /\\1 if { path_beg " << p << " }\n";
        }
    }
    if (!b.healthCheckUri.empty()) o << "    option httpchk GET " << b.healthCheckUri << "\n";
    std::string check = " check";
    if (!b.healthCheckUri.empty() && b.healthCheckPort > 0) check += " port " + std::to_string(b.healthCheckPort);
    for (const auto& u : b.upstreams) {
        o << "    server " << u.name << " " << u.address << check;
        if (b.cookie && b.cookie->empty()) o << " cookie " << u.name;
        o << "\n";
    }
}

void renderTcp(std::ostream& o, const LbSettings& s, const TcpService& t) {
    o << "\nlisten " << t.name << "\n    mode tcp\n" << binds(s, t.externalPort, s.acceptProxy ? " accept-proxy" : "")
      << "    balance " << t.balance << "\n";
    for (const auto& l : lines(t.customSettings)) o << "    " << l << "\n";
    for (const auto& u : t.upstreams) o << "    server " << u.name << " " << u.address << " check\n";
}

void renderUserlists(std::ostream& o, const std::vector<const HttpBackend*>& http) {
    for (const auto* b : http) {
        if (b->basicAuthSecrets.empty()) continue;
        o << "\nuserlist auth_" << b->name << "\n";
        for (const auto& l : userlistLines(b->basicAuthSecrets)) o << "    " << l << "\n";
    }
}

// HAProxy's words of one line: quoted parts belong to their word, an
// unquoted '#' starts a comment. nullopt: a quote is not closed.
std::optional<std::vector<std::string>> words(const std::string& line) {
    std::vector<std::string> out;
    std::string word;
    bool inWord = false;
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == '\\' && quote == '"' && i + 1 < line.size()) word += line[++i];
            else if (c == quote) quote = 0;
            else word += c;
            continue;
        }
        if (c == '#') break;
        if (c == ' ' || c == '\t') {
            if (inWord) out.push_back(std::exchange(word, {}));
            inWord = false;
            continue;
        }
        inWord = true;
        if (c == '\'' || c == '"') quote = c;
        else if (c == '\\' && i + 1 < line.size()) word += line[++i];
        else word += c;
    }
    if (quote) return std::nullopt;
    if (inWord) out.push_back(word);
    return out;
}

bool validUserlistLine(const std::vector<std::string>& w) {
    if (w.size() >= 2 && w[0] == "group") return w.size() == 2 || (w.size() == 4 && w[2] == "users");
    if (w.size() < 4 || w[0] != "user" || (w[2] != "password" && w[2] != "insecure-password") || w[3].empty()) return false;
    return w.size() == 4 || (w.size() == 6 && w[4] == "groups");
}

}  // namespace

std::vector<std::string> userlistLines(const std::string& secrets, int* dropped) {
    std::vector<std::string> out;
    int bad = 0;
    for (const auto& l : lines(secrets)) {
        const auto w = words(l);
        if (w && w->empty()) continue;   // a comment
        if (w && validUserlistLine(*w)) out.push_back(l);
        else ++bad;
    }
    if (dropped) *dropped = bad;
    return out;
}

int maxconnFor(long fdHardLimit) {
    // Two sockets per connection and, with splice-auto, a pipe pair for one
    // connection in four (HAProxy 2.6: 9,900 wanted 24,794 descriptors).
    const long usable = (fdHardLimit - 500) * 2 / 5;
    return static_cast<int>(std::clamp<long>(usable, 256, 100000));
}

std::string backendName(const std::string& stack, const std::string& service) {
    return stack.empty() || stack == "null" ? service : stack + "-" + service;
}

Backend backendFromEnv(const std::string& name, const std::vector<std::string>& env, std::vector<Upstream> upstreams) {
    const auto m = envMap(env);
    std::sort(upstreams.begin(), upstreams.end(), [](const Upstream& a, const Upstream& b) { return a.name < b.name; });
    if (get(m, "KONTENA_LB_MODE", "http") != "http") {
        TcpService t;
        t.name = name;
        t.externalPort = portOr(get(m, "KONTENA_LB_EXTERNAL_PORT"), 5000);
        t.balance = get(m, "KONTENA_LB_BALANCE", "roundrobin");
        t.customSettings = get(m, "KONTENA_LB_CUSTOM_SETTINGS");
        t.upstreams = std::move(upstreams);
        return t;
    }
    HttpBackend b;
    b.name = name;
    b.balance = get(m, "KONTENA_LB_BALANCE", "roundrobin");
    b.virtualHosts = commaList(get(m, "KONTENA_LB_VIRTUAL_HOSTS"));
    b.virtualPaths = commaList(get(m, "KONTENA_LB_VIRTUAL_PATH"));
    if (b.virtualHosts.empty() && b.virtualPaths.empty()) b.virtualPaths = {"/"};
    b.keepVirtualPath = truthy(get(m, "KONTENA_LB_KEEP_VIRTUAL_PATH"));
    if (m.count("KONTENA_LB_COOKIE")) b.cookie = m.at("KONTENA_LB_COOKIE");
    b.basicAuthSecrets = get(m, "KONTENA_LB_BASIC_AUTH_SECRETS");
    b.customSettings = get(m, "KONTENA_LB_CUSTOM_SETTINGS");
    b.healthCheckUri = get(m, "KONTENA_LB_HEALTH_CHECK_URI");
    b.healthCheckPort = portOr(get(m, "KONTENA_LB_HEALTH_CHECK_PORT"), 0);
    b.upstreams = std::move(upstreams);
    return b;
}

LbSettings settingsFromEnv(const std::vector<std::string>& env, std::vector<std::string> certificates) {
    const auto m = envMap(env);
    LbSettings s;
    s.certificates = std::move(certificates);
    s.http2 = get(m, "KONTENA_LB_HTTP2", "true") != "false";
    s.acceptProxy = m.count("KONTENA_LB_ACCEPT_PROXY") != 0;
    s.healthUri = get(m, "KONTENA_LB_HEALTH_URI");
    s.sslCiphers = get(m, "KONTENA_LB_SSL_CIPHERS", s.sslCiphers);
    s.customSettings = get(m, "KONTENA_LB_CUSTOM_SETTINGS");
    s.globalSettings = get(m, "KONTENA_LB_GLOBAL_SETTINGS");
    s.statsPassword = get(m, "STATS_PASSWORD", "secret");
    s.syslogTarget = get(m, "SYSLOG_TARGET", s.syslogTarget);
    for (const auto& [key, value] : m) {
        // Tokens and key authorizations are base64url and '.': anything else is not an ACME answer (and stays out of the config).
        const std::string token = key.rfind("ACME_CHALLENGE_", 0) == 0 ? key.substr(15) : std::string();
        if (!token.empty() && isAcmeWord(token) && isAcmeWord(value)) s.acmeChallenges[token] = value;
    }
    return s;
}

std::string render(const LbConfig& config) {
    std::vector<const Backend*> sorted;
    for (const auto& b : config.backends) sorted.push_back(&b);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Backend* a, const Backend* b) { return nameOf(*a) < nameOf(*b); });
    std::vector<const HttpBackend*> http;
    std::vector<const TcpService*> tcp;
    for (const auto* b : sorted) {
        if (const auto* h = std::get_if<HttpBackend>(b)) http.push_back(h);
        else if (const auto& t = std::get<TcpService>(*b); !t.upstreams.empty() && t.externalPort > 0) tcp.push_back(&t);
    }
    const LbSettings& s = config.settings;
    std::ostringstream o;
    renderGlobal(o, s);
    renderUserlists(o, http);
    if (!http.empty() || !s.certificates.empty() || !s.healthUri.empty() || !s.acmeChallenges.empty()) renderFrontend(o, s, http);
    for (const auto* b : http) renderHttpBackend(o, *b);
    for (const auto* t : tcp) renderTcp(o, s, *t);
    o << "\nlisten stats\n" << binds(s, s.statsPort) << "    mode http\n    stats enable\n    stats uri /\n"
      << "    stats refresh 10s\n    stats show-node\n    stats show-legends\n"
      << "    stats auth stats:" << s.statsPassword << "\n";
    return o.str();
}

}  // namespace kontena::lb
