// Service keys with a structure of their own: deploy, health_check, hooks,
// secrets/certificates, logging, build.
#include <algorithm>
#include <cctype>

#include "stacks/service_internal.h"
#include "stacks/service_syntax.h"

namespace kontena::stacks::detail {

std::optional<std::string> readString(const KeyCtx& k, const YAML::Node& n, const std::string& sub) {
    if (n.IsScalar() && scalarType(n) != ScalarType::Null) return n.Scalar();
    k.expected(n, "a string", sub);
    return std::nullopt;
}

std::optional<std::string> readText(const KeyCtx& k, const YAML::Node& n, const std::string& sub) {
    if (n.IsScalar() && scalarType(n) == ScalarType::String) return n.Scalar();
    if (!n.IsScalar() || scalarType(n) == ScalarType::Null) {
        k.expected(n, "a string", sub);
    } else {
        const char* kind = scalarType(n) == ScalarType::Bool ? "the boolean " : "the number ";
        k.error(n, "expected a string, got " + std::string(kind) + n.Scalar() + " (quote it to use it as text)", sub);
    }
    return std::nullopt;
}

std::optional<std::int64_t> readInt(const KeyCtx& k, const YAML::Node& n, const std::string& sub) {
    if (n.IsScalar() && scalarType(n) == ScalarType::Int) {
        if (auto v = parseInteger(n.Scalar())) return v;
    }
    k.expected(n, "an integer", sub);
    return std::nullopt;
}

std::optional<double> readNumber(const KeyCtx& k, const YAML::Node& n, const std::string& sub) {
    if (n.IsScalar() && (scalarType(n) == ScalarType::Int || scalarType(n) == ScalarType::Float)) {
        if (auto v = parseFloat(n.Scalar())) return v;
    }
    k.expected(n, "a number", sub);
    return std::nullopt;
}

std::optional<bool> readBool(const KeyCtx& k, const YAML::Node& n, const std::string& sub) {
    if (n.IsScalar() && scalarType(n) == ScalarType::Bool) return toValue(n).asBool();
    k.expected(n, "a boolean", sub);
    return std::nullopt;
}

std::optional<std::vector<std::string>> readStringList(const KeyCtx& k, const YAML::Node& n) {
    if (!n.IsSequence()) {
        k.expected(n, "a list");
        return std::nullopt;
    }
    std::vector<std::string> out;
    std::size_t i = 0;
    for (const auto& item : n) {
        if (auto s = readString(k, item, indexPath(k.path, i))) out.push_back(*s);
        ++i;
    }
    return out;
}

void checkKeys(const KeyCtx& k, const YAML::Node& n, const std::vector<std::string>& allowed) {
    for (const auto& kv : n) {
        const std::string key = scalarText(kv.first);
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            k.error(kv.first, "key not expected", subPath(k.path, key));
        }
    }
}

void readDeploy(const KeyCtx& k, const YAML::Node& n) {
    if (!n.IsMap()) return k.expected(n, "a mapping");
    checkKeys(k, n, {"strategy", "wait_for_port", "min_health", "interval"});
    DeployOptions& d = k.out.spec.deploy;
    if (const auto s = n["strategy"]) {
        if (auto text = readString(k, s, k.path + ".strategy")) {
            if (auto strategy = parseStrategy(*text)) k.out.spec.strategy = *strategy;
            else k.expected(s, "one of ha, daemon, random", k.path + ".strategy");
        }
    }
    if (const auto w = n["wait_for_port"]) {
        if (auto v = readInt(k, w, k.path + ".wait_for_port")) {
            if (*v < 1 || *v > 65535) k.expected(w, "a port number 1..65535", k.path + ".wait_for_port");
            else d.waitForPort = static_cast<int>(*v);
        }
    }
    if (const auto m = n["min_health"]) {
        if (auto v = readNumber(k, m, k.path + ".min_health")) {
            if (*v < 0 || *v > 1) k.expected(m, "a number between 0 and 1", k.path + ".min_health");
            else d.minHealth = *v;
        }
    }
    if (const auto i = n["interval"]) {
        auto parsed = i.IsScalar() ? parseDeployInterval(i.Scalar()) : std::nullopt;
        if (parsed) d.interval = *parsed;
        else k.expected(i, "an interval like 30min, 12h, 7d or seconds", k.path + ".interval");
    }
}

namespace {

// An optional integer field of mapping `n` within [lo, hi]. Returns false
// (after reporting) when the field is present but wrong.
bool intField(const KeyCtx& k, const YAML::Node& n, const char* key, std::int64_t lo, std::int64_t hi,
              const char* what, std::optional<std::int64_t>& out) {
    const YAML::Node v = n[key];
    if (!v || v.IsNull()) return true;
    const std::string path = k.path + "." + key;
    auto value = readInt(k, v, path);
    if (!value) return false;
    if (*value < lo || *value > hi) {
        k.expected(v, what, path);
        return false;
    }
    out = *value;
    return true;
}

bool healthProtocol(const KeyCtx& k, const YAML::Node& n, HealthCheck& hc) {
    const YAML::Node p = n["protocol"];
    if (!p || p.IsNull()) return true;
    auto proto = readString(k, p, k.path + ".protocol");
    if (!proto) return false;
    if (*proto != "http" && *proto != "tcp") {
        k.expected(p, "http or tcp", k.path + ".protocol");
        return false;
    }
    hc.protocol = *proto;
    return true;
}

}  // namespace

void readHealthCheck(const KeyCtx& k, const YAML::Node& n) {
    if (!n.IsMap()) return k.expected(n, "a mapping");
    checkKeys(k, n, {"protocol", "port", "uri", "timeout", "interval", "initial_delay"});
    HealthCheck hc;
    bool ok = healthProtocol(k, n, hc);
    std::optional<std::int64_t> port, timeout, interval, delay;
    constexpr std::int64_t kMaxSeconds = 1'000'000'000;
    ok = intField(k, n, "port", 1, 65535, "a port number 1..65535", port) && ok;
    ok = intField(k, n, "timeout", 0, kMaxSeconds, "a number of seconds", timeout) && ok;
    ok = intField(k, n, "interval", 0, kMaxSeconds, "a number of seconds", interval) && ok;
    ok = intField(k, n, "initial_delay", 0, kMaxSeconds, "a number of seconds", delay) && ok;
    if (const YAML::Node u = n["uri"]; u && !u.IsNull()) {
        if (auto uri = readString(k, u, k.path + ".uri")) hc.uri = *uri;
        else ok = false;
    }
    if (port) hc.port = static_cast<int>(*port);
    if (timeout) hc.timeout = Duration::seconds(*timeout);
    if (interval) hc.interval = Duration::seconds(*interval);
    if (delay) hc.initialDelay = Duration::seconds(*delay);
    if (hc.interval < hc.timeout) {
        k.error(n, "Interval has to be bigger than timeout");
        ok = false;
    }
    const bool noCheck = hc.protocol.empty() && !port;  // both null: no health check
    if (!noCheck && (hc.protocol.empty() || !port)) {
        k.error(n, "a health check needs both protocol and port");
        ok = false;
    }
    if (ok && !noCheck) k.out.spec.healthCheck = hc;
}

namespace {

// instances: an integer, "*", or a comma-separated list of numbers (the
// server accepts the list form; the old CLI validator did not).
std::optional<std::string> hookInstances(const KeyCtx& k, const YAML::Node& v, const std::string& path) {
    if (!v.IsScalar()) {
        k.expected(v, "an instance number, \"*\" or \"1,3\"", path);
        return std::nullopt;
    }
    const std::string s = v.Scalar();
    bool valid = s == "*" || !s.empty();
    for (char c : s) {
        if (s != "*" && !(std::isdigit(static_cast<unsigned char>(c)) || c == ',')) valid = false;
    }
    if (!valid || s.front() == ',' || s.back() == ',') {
        k.expected(v, "an instance number, \"*\" or \"1,3\"", path);
        return std::nullopt;
    }
    return s;
}

void readHookList(const KeyCtx& k, const std::string& kind, const YAML::Node& list) {
    const std::string path = k.path + "." + kind;
    if (list.IsNull()) return;
    if (!list.IsSequence()) return k.expected(list, "a list", path);
    std::size_t i = 0;
    for (const auto& item : list) {
        const std::string itemPath = indexPath(path, i++);
        if (!item.IsMap()) {
            k.expected(item, "a mapping", itemPath);
            continue;
        }
        KeyCtx sub{k.ctx, k.diags, k.out, itemPath};
        if (kind == "pre_build") checkKeys(sub, item, {"name", "cmd"});
        else checkKeys(sub, item, {"name", "cmd", "instances", "oneshot"});
        Hook h;
        h.kind = kind;
        bool ok = true;
        for (const char* required : {"name", "cmd"}) {
            const auto v = item[required];
            if (!v || v.IsNull()) {
                k.error(item, std::string("missing required key '") + required + "'", itemPath);
                ok = false;
            } else if (auto s = readString(k, v, itemPath + "." + required)) {
                (std::string(required) == "name" ? h.name : h.cmd) = *s;
            } else {
                ok = false;
            }
        }
        if (const auto inst = item["instances"]; inst && kind != "pre_build") {
            if (auto s = hookInstances(k, inst, itemPath + ".instances")) h.instances = *s;
            else ok = false;
        }
        if (const auto once = item["oneshot"]; once && kind != "pre_build") {
            if (auto b = readBool(k, once, itemPath + ".oneshot")) h.oneshot = *b;
            else ok = false;
        }
        if (ok) k.out.spec.hooks.push_back(h);
    }
}

}  // namespace

void readHooks(const KeyCtx& k, const YAML::Node& n) {
    if (!n.IsMap()) return k.expected(n, "a mapping");
    for (const auto& kv : n) {
        const std::string kind = scalarText(kv.first);
        if (kind != "pre_build" && kind != "pre_start" && kind != "post_start" && kind != "pre_stop") {
            k.error(kv.first, "key not expected (hooks are pre_build, pre_start, post_start, pre_stop)",
                    subPath(k.path, kind));
            continue;
        }
        readHookList(k, kind, kv.second);
    }
}

void readSecrets(const KeyCtx& k, const YAML::Node& n, bool certificates) {
    if (!n.IsSequence()) return k.expected(n, "a list");
    const char* first = certificates ? "subject" : "secret";
    std::size_t i = 0;
    for (const auto& item : n) {
        const std::string itemPath = indexPath(k.path, i++);
        if (!item.IsMap()) {
            k.expected(item, "a mapping", itemPath);
            continue;
        }
        KeyCtx sub{k.ctx, k.diags, k.out, itemPath};
        checkKeys(sub, item, {first, "name", "type"});
        SecretRef ref;
        bool ok = true;
        for (const char* key : {first, "name", "type"}) {
            const auto v = item[key];
            std::optional<std::string> s;
            if (!v || v.IsNull()) k.error(item, std::string("missing required key '") + key + "'", itemPath);
            else s = readString(k, v, itemPath + "." + key);
            if (!s) {
                ok = false;
                continue;
            }
            const std::string field = key;
            (field == "name" ? ref.name : field == "type" ? ref.type : ref.secret) = *s;
        }
        if (ok) (certificates ? k.out.spec.certificates : k.out.spec.secrets).push_back(ref);
    }
}

void readLogging(const KeyCtx& k, const YAML::Node& n) {
    if (!n.IsMap()) return k.expected(n, "a mapping");
    checkKeys(k, n, {"driver", "options"});
    if (const auto d = n["driver"]; d && !d.IsNull()) {
        if (auto s = readString(k, d, k.path + ".driver")) k.out.spec.logDriver = *s;
    }
    if (const auto o = n["options"]; o && !o.IsNull()) {
        if (!o.IsMap()) return k.expected(o, "a mapping", k.path + ".options");
        for (const auto& kv : o) {
            const std::string key = scalarText(kv.first);
            if (kv.second.IsScalar() || kv.second.IsNull()) k.out.spec.logOpts[key] = scalarText(kv.second);
            else k.expected(kv.second, "a string", k.path + ".options." + key);
        }
    }
}

void readBuild(const KeyCtx& k, const YAML::Node& n) {
    BuildSpec b;
    if (n.IsScalar()) {
        if (auto s = readText(k, n)) b.context = *s;
        k.out.build = b;
        return;
    }
    if (!n.IsMap()) return k.expected(n, "a string or a mapping");
    checkKeys(k, n, {"context", "dockerfile", "args"});
    const auto ctx = n["context"];
    if (!ctx || ctx.IsNull()) return k.error(n, "missing required key 'context'");
    if (auto s = readText(k, ctx, k.path + ".context")) b.context = *s;
    if (const auto d = n["dockerfile"]; d && !d.IsNull()) {
        if (auto s = readText(k, d, k.path + ".dockerfile")) b.dockerfile = *s;
    }
    if (const auto a = n["args"]; a && !a.IsNull()) {
        if (a.IsSequence()) {
            for (const auto& item : a) b.args.push_back(scalarText(item));
        } else if (a.IsMap()) {
            for (const auto& kv : a) {
                const std::string key = scalarText(kv.first);
                b.args.push_back(kv.second.IsNull() ? key : key + "=" + scalarText(kv.second));
            }
        } else {
            k.expected(a, "a list or a mapping", k.path + ".args");
        }
    }
    k.out.build = b;
}

}  // namespace kontena::stacks::detail
