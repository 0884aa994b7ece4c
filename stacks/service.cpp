// Service definitions: key dispatch and the keys with simple syntax.
#include "stacks/service.h"

#include <functional>
#include <map>

#include "stacks/service_internal.h"
#include "stacks/service_syntax.h"

namespace kontena::stacks {

using detail::KeyCtx;
using detail::readBool;
using detail::readInt;
using detail::readNumber;
using detail::readString;
using detail::readText;
using detail::readStringList;

namespace {

using Handler = std::function<void(const KeyCtx&, const YAML::Node&)>;

void readImage(const KeyCtx& k, const YAML::Node& n) {
    if (auto s = readText(k, n)) {
        if (!s->empty()) k.out.spec.image = normalizeImage(*s);
    }
}

void readInstances(const KeyCtx& k, const YAML::Node& n) {
    if (auto v = readInt(k, n)) {
        if (*v < 0 || *v > 100000) k.expected(n, "an instance count 0..100000");
        else k.out.spec.instances = static_cast<int>(*v);
    }
}

void readAffinity(const KeyCtx& k, const YAML::Node& n) {
    auto rules = readStringList(k, n);
    if (!rules) return;
    std::size_t i = 0;
    for (const auto& rule : *rules) {
        if (!isValidAffinity(rule)) {
            k.error(n[i], "affinity rule " + quoteForMessage(rule) + " must contain == or !=", indexPath(k.path, i));
        } else {
            k.out.spec.affinity.push_back(rule);
        }
        ++i;
    }
}

// environment: list of KEY=VALUE, or a map of scalars.
void readEnvironment(const KeyCtx& k, const YAML::Node& n) {
    auto& env = k.out.spec.env;
    if (n.IsSequence()) {
        std::size_t i = 0;
        for (const auto& item : n) {
            const std::string path = indexPath(k.path, i++);
            auto s = readString(k, item, path);
            if (!s) continue;
            if (s->find('=') == std::string::npos || s->front() == '=') {
                k.error(item, "expected KEY=VALUE, got " + quoteForMessage(*s), path);
                continue;
            }
            env.push_back(*s);
        }
    } else if (n.IsMap()) {
        for (const auto& kv : n) {
            const std::string key = scalarText(kv.first);
            if (key.empty()) {
                k.error(kv.first, "environment variable name is empty");
            } else if (!kv.second.IsScalar() && !kv.second.IsNull()) {
                k.expected(kv.second, "a string, number, boolean or null", subPath(k.path, key));
            } else {
                env.push_back(key + "=" + scalarText(kv.second));
            }
        }
    } else {
        k.expected(n, "a list or a mapping");
    }
}

// env_file entries are appended after `environment`; the first definition
// of a key wins, so `environment` beats the files.
void readEnvFile(const KeyCtx& k, const YAML::Node& n) {
    std::vector<std::string> files;
    if (n.IsScalar()) {
        files.push_back(n.Scalar());
    } else if (auto list = readStringList(k, n)) {
        files = *list;
    } else {
        return;
    }
    for (const auto& f : files) {
        const std::string path = joinPath(directoryOf(k.ctx.file), f);
        auto text = k.ctx.files ? k.ctx.files->read(path) : std::nullopt;
        if (!text) {
            k.error(n, "cannot read env_file '" + f + "'");
            continue;
        }
        for (const auto& entry : parseEnvFile(*text)) k.out.spec.env.push_back(entry);
    }
}

void readLinks(const KeyCtx& k, const YAML::Node& n) {
    auto items = readStringList(k, n);
    if (!items) return;
    std::size_t i = 0;
    for (const auto& text : *items) {
        if (auto link = parseLink(text)) k.out.spec.links.push_back(*link);
        else k.error(n[i], "expected svc, svc:alias or stack/svc[:alias], got " + quoteForMessage(text), indexPath(k.path, i));
        ++i;
    }
}

void readDependsOn(const KeyCtx& k, const YAML::Node& n) {
    if (auto items = readStringList(k, n)) k.out.dependsOn = *items;
}

void readVolumes(const KeyCtx& k, const YAML::Node& n) {
    auto items = readStringList(k, n);
    if (!items) return;
    std::map<std::string, int> mountCount;
    std::size_t i = 0;
    for (const auto& text : *items) {
        const YAML::Node at = n[i];
        const std::string path = indexPath(k.path, i++);
        Result<VolumeMount> m = parseVolumeMount(text);
        if (!m.ok()) {
            k.error(at, m.error().message, path);
            continue;
        }
        if (m.value().kind == VolumeKind::Named) {
            if (!k.ctx.hasVolumesSection) {
                k.error(at, "volume '" + m.value().source + "' defines volume name, but file does not contain volumes definitions", path);
            } else if (!k.ctx.volumeNames.count(m.value().source)) {
                k.error(at, "volume '" + m.value().source + "' not found in top level volumes list", path);
            }
        }
        ++mountCount[m.value().path];
        k.out.spec.volumes.push_back(m.value());
    }
    for (const auto& [mount, count] : mountCount) {
        if (count > 1) k.error(n, "mount point " + mount + " defined " + std::to_string(count) + " times");
    }
}

void readPorts(const KeyCtx& k, const YAML::Node& n) {
    if (!n.IsSequence()) return k.expected(n, "a list");
    std::size_t i = 0;
    for (const auto& item : n) {
        const std::string path = indexPath(k.path, i++);
        if (!item.IsScalar() || scalarType(item) != ScalarType::String) {
            k.expected(item, "a port mapping string like \"80:80\" or \"127.0.0.1:80:80/udp\"", path);
            continue;
        }
        if (auto p = parsePort(item.Scalar())) k.out.spec.ports.push_back(*p);
        else k.expected(item, "a port mapping like \"80:80\" or \"127.0.0.1:80:80/udp\"", path);
    }
}

void readCommand(const KeyCtx& k, const YAML::Node& n, std::vector<std::string>& into) {
    if (n.IsNull()) return;
    auto s = readText(k, n);
    if (!s) return;
    if (auto words = shellSplit(*s)) into = *words;
    else k.error(n, "unbalanced quotes in " + quoteForMessage(*s));
}

void readMemory(const KeyCtx& k, const YAML::Node& n, std::optional<std::int64_t>& into) {
    auto bytes = n.IsScalar() ? parseMemory(n.Scalar()) : std::nullopt;
    if (bytes) into = *bytes;
    else k.expected(n, "a size like 512m, 1g, 64k or bytes");
}

void readNetworkMode(const KeyCtx& k, const YAML::Node& n) {
    auto s = readString(k, n);
    if (s && (*s == "bridge" || *s == "host")) k.out.spec.net = *s;
    else if (s) k.expected(n, "bridge or host");
}

void readStopGracePeriod(const KeyCtx& k, const YAML::Node& n) {
    auto d = n.IsScalar() ? parseDuration(n.Scalar()) : std::nullopt;
    if (d) k.out.spec.stopGracePeriod = *d;
    else k.expected(n, "a duration like 30s, 1m30s or 1.5s");
}

void readStopSignal(const KeyCtx& k, const YAML::Node& n) {
    auto s = n.IsScalar() ? std::optional<std::string>(n.Scalar()) : std::nullopt;
    if (s && isValidStopSignal(*s)) k.out.spec.stopSignal = *s;
    else k.expected(n, "a signal like SIGTERM, SIGRTMIN+3 or a number");
}

void readCpuShares(const KeyCtx& k, const YAML::Node& n) {
    if (auto v = readInt(k, n)) {
        if (*v < 0 || *v > 1024) k.expected(n, "an integer 0..1024");
        else k.out.spec.cpuShares = static_cast<int>(*v);
    }
}

void readCpus(const KeyCtx& k, const YAML::Node& n) {
    if (auto v = readNumber(k, n)) {
        if (*v <= 0 || *v > 4096) k.expected(n, "a positive number of CPUs");
        else k.out.spec.cpus = *v;
    }
}

void boolInto(const KeyCtx& k, const YAML::Node& n, bool& into) {
    if (auto b = readBool(k, n)) into = *b;
}

void stringInto(const KeyCtx& k, const YAML::Node& n, std::string& into) {
    if (auto s = readString(k, n)) into = *s;
}

void listInto(const KeyCtx& k, const YAML::Node& n, std::vector<std::string>& into) {
    if (auto items = readStringList(k, n)) into = *items;
}

const std::map<std::string, Handler>& handlers() {
    static const std::map<std::string, Handler> table = {
        {"image", readImage},
        {"instances", readInstances},
        {"stateful", [](const KeyCtx& k, const YAML::Node& n) { boolInto(k, n, k.out.spec.stateful); }},
        {"deploy", detail::readDeploy},
        {"affinity", readAffinity},
        {"environment", readEnvironment},
        {"env_file", [](const KeyCtx&, const YAML::Node&) {}},  // read after environment, see buildService
        {"secrets", [](const KeyCtx& k, const YAML::Node& n) { detail::readSecrets(k, n, false); }},
        {"certificates", [](const KeyCtx& k, const YAML::Node& n) { detail::readSecrets(k, n, true); }},
        {"links", readLinks},
        {"depends_on", readDependsOn},
        {"volumes", readVolumes},
        {"volumes_from", [](const KeyCtx& k, const YAML::Node& n) { listInto(k, n, k.out.spec.volumesFrom); }},
        {"ports", readPorts},
        {"command", [](const KeyCtx& k, const YAML::Node& n) { readCommand(k, n, k.out.spec.cmd); }},
        {"entrypoint", [](const KeyCtx& k, const YAML::Node& n) { readCommand(k, n, k.out.spec.entrypoint); }},
        {"cpus", readCpus},
        {"cpu_shares", readCpuShares},
        {"mem_limit", [](const KeyCtx& k, const YAML::Node& n) { readMemory(k, n, k.out.spec.memory); }},
        {"memswap_limit", [](const KeyCtx& k, const YAML::Node& n) { readMemory(k, n, k.out.spec.memorySwap); }},
        {"mem_swaplimit", [](const KeyCtx& k, const YAML::Node& n) { readMemory(k, n, k.out.spec.memorySwap); }},
        {"shm_size", [](const KeyCtx& k, const YAML::Node& n) { readMemory(k, n, k.out.spec.shmSize); }},
        {"network_mode", readNetworkMode},
        {"pid", [](const KeyCtx& k, const YAML::Node& n) {
             auto s = readString(k, n);
             if (s && *s == "host") k.out.spec.pid = *s;
             else if (s) k.expected(n, "host");
         }},
        {"privileged", [](const KeyCtx& k, const YAML::Node& n) { boolInto(k, n, k.out.spec.privileged); }},
        {"cap_add", [](const KeyCtx& k, const YAML::Node& n) { listInto(k, n, k.out.spec.capAdd); }},
        {"cap_drop", [](const KeyCtx& k, const YAML::Node& n) { listInto(k, n, k.out.spec.capDrop); }},
        {"user", [](const KeyCtx& k, const YAML::Node& n) { stringInto(k, n, k.out.spec.user); }},
        {"read_only", [](const KeyCtx& k, const YAML::Node& n) { boolInto(k, n, k.out.spec.readOnly); }},
        {"logging", detail::readLogging},
        {"health_check", detail::readHealthCheck},
        {"hooks", detail::readHooks},
        {"stop_signal", readStopSignal},
        {"stop_grace_period", readStopGracePeriod},
        {"build", detail::readBuild},
        {"external_links", [](const KeyCtx& k, const YAML::Node& n) { listInto(k, n, k.out.externalLinks); }},
        {"extends", [](const KeyCtx&, const YAML::Node&) {}},   // merged before building
        {"only_if", [](const KeyCtx&, const YAML::Node&) {}},   // evaluated before building
        {"skip_if", [](const KeyCtx&, const YAML::Node&) {}},
    };
    return table;
}

const std::map<std::string, std::string>& legacyKeys() {
    static const std::map<std::string, std::string> table = {
        {"net", "use network_mode"}, {"log_driver", "use logging.driver"}, {"log_opt", "use logging.options"},
        {"dockerfile", "use build.dockerfile"}};
    return table;
}

// Keeps the first entry of each key (environment before env_file).
void dedupeEnv(std::vector<std::string>& env) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (auto& e : env) {
        if (seen.insert(envKey(e)).second) out.push_back(std::move(e));
    }
    env = std::move(out);
}

}  // namespace

const std::set<std::string>& serviceKeys() {
    static const std::set<std::string> keys = [] {
        std::set<std::string> out;
        for (const auto& [key, handler] : handlers()) out.insert(key);
        return out;
    }();
    return keys;
}

std::optional<StackService> buildService(const std::string& name, const YAML::Node& node, const ServiceContext& ctx,
                                         Diagnostics& diags) {
    const std::string path = "services." + name;
    if (!node.IsMap()) {
        diags.error(positionOf(node, ctx.file), path, "expected a mapping, got " + describe(node));
        return std::nullopt;
    }
    StackService svc;
    svc.spec.stack = ctx.stackName;
    svc.spec.name = name;
    svc.pos = positionOf(node, ctx.file);
    if (!isValidName(name)) {
        diags.error(svc.pos, path, "service name must match ^(?!-)[\\w-]+$");
    } else if (!isRecommendedName(name)) {
        diags.notice(svc.pos, path, "service name should only contain a-z, 0-9 and -");
    }
    const auto& table = handlers();
    for (const auto& kv : node) {
        const std::string key = scalarText(kv.first);
        KeyCtx k{ctx, diags, svc, subPath(path, key)};
        auto h = table.find(key);
        if (h != table.end()) {
            if (!kv.second.IsNull()) h->second(k, kv.second);  // `key:` with no value means the key is absent
        } else if (auto legacy = legacyKeys().find(key); legacy != legacyKeys().end()) {
            k.error(kv.first, "key not expected (legacy key: " + legacy->second + ")");
        } else {
            k.error(kv.first, "key not expected");
        }
    }
    if (const auto envFile = node["env_file"]) readEnvFile(KeyCtx{ctx, diags, svc, path + ".env_file"}, envFile);
    dedupeEnv(svc.spec.env);
    if (svc.spec.image.empty()) diags.error(svc.pos, path, "image is missing");
    if (svc.spec.stateful && !svc.spec.volumesFrom.empty()) {
        diags.error(svc.pos, path, "Cannot combine stateful & volumes_from");
    }
    return svc;
}

}  // namespace kontena::stacks
