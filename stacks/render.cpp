#include "stacks/render.h"

#include <cmath>

#include <yaml-cpp/yaml.h>

namespace kontena::stacks {
namespace {

Value strings(const std::vector<std::string>& items) {
    Value list = Value::list();
    for (const auto& s : items) list.push(Value::string(s));
    return list;
}

void setIf(Value& m, const std::string& key, const std::string& s) {
    if (!s.empty()) m.set(key, Value::string(s));
}

void setIf(Value& m, const std::string& key, const std::vector<std::string>& items) {
    if (!items.empty()) m.set(key, strings(items));
}

Value seconds(Duration d) {
    if (d.ms % 1000 == 0) return Value::integer(d.ms / 1000);
    return Value::number(static_cast<double>(d.ms) / 1000.0);
}

Value portsValue(const std::vector<PortSpec>& ports) {
    Value list = Value::list();
    for (const auto& p : ports) {
        Value m = Value::map();
        m.set("ip", Value::string(p.ip));
        m.set("node_port", Value::integer(p.nodePort));
        m.set("container_port", Value::integer(p.containerPort));
        m.set("protocol", Value::string(p.protocol));
        list.push(m);
    }
    return list;
}

Value linksValue(const std::vector<Link>& links) {
    Value list = Value::list();
    for (const auto& l : links) {
        Value m = Value::map();
        m.set("name", Value::string(l.stack.empty() ? l.service : l.stack + "/" + l.service));
        m.set("alias", Value::string(l.alias));
        list.push(m);
    }
    return list;
}

std::string mountText(const VolumeMount& v) {
    if (v.kind == VolumeKind::Anonymous) return v.path;
    return v.source + ":" + v.path + (v.flags.empty() ? "" : ":" + v.flags);
}

Value secretsValue(const std::vector<SecretRef>& refs, const char* firstKey) {
    Value list = Value::list();
    for (const auto& r : refs) {
        Value m = Value::map();
        m.set(firstKey, Value::string(r.secret));
        m.set("name", Value::string(r.name));
        m.set("type", Value::string(r.type));
        list.push(m);
    }
    return list;
}

Value hooksValue(const std::vector<Hook>& hooks) {
    Value byKind = Value::map();
    for (const auto& h : hooks) {
        Value m = Value::map();
        m.set("name", Value::string(h.name));
        m.set("cmd", Value::string(h.cmd));
        if (h.kind != "pre_build") {
            m.set("instances", Value::string(h.instances));
            m.set("oneshot", Value::boolean(h.oneshot));
        }
        Value list = byKind.get(h.kind) ? *byKind.get(h.kind) : Value::list();
        list.push(m);
        byKind.set(h.kind, list);
    }
    return byKind;
}

Value healthValue(const HealthCheck& hc) {
    Value m = Value::map();
    m.set("protocol", Value::string(hc.protocol));
    m.set("port", Value::integer(hc.port));
    if (hc.protocol == "http") m.set("uri", Value::string(hc.uri));
    m.set("timeout", seconds(hc.timeout));
    m.set("interval", seconds(hc.interval));
    m.set("initial_delay", seconds(hc.initialDelay));
    return m;
}

Value deployValue(const DeployOptions& d) {
    Value m = Value::map();
    if (d.waitForPort) m.set("wait_for_port", Value::integer(*d.waitForPort));
    m.set("min_health", Value::number(d.minHealth));
    if (d.interval) m.set("interval", seconds(*d.interval));
    return m;
}

void resources(Value& m, const ServiceSpec& s) {
    if (s.cpus) m.set("cpus", Value::number(*s.cpus));
    if (s.cpuShares) m.set("cpu_shares", Value::integer(*s.cpuShares));
    if (s.memory) m.set("memory", Value::integer(*s.memory));
    if (s.memorySwap) m.set("memory_swap", Value::integer(*s.memorySwap));
    if (s.shmSize) m.set("shm_size", Value::integer(*s.shmSize));
}

void runtime(Value& m, const ServiceSpec& s) {
    setIf(m, "cmd", s.cmd);
    setIf(m, "entrypoint", s.entrypoint);
    setIf(m, "env", s.env);
    if (!s.secrets.empty()) m.set("secrets", secretsValue(s.secrets, "secret"));
    if (!s.certificates.empty()) m.set("certificates", secretsValue(s.certificates, "subject"));
    if (!s.hooks.empty()) m.set("hooks", hooksValue(s.hooks));
    if (s.privileged) m.set("privileged", Value::boolean(true));
    setIf(m, "cap_add", s.capAdd);
    setIf(m, "cap_drop", s.capDrop);
    setIf(m, "user", s.user);
    if (s.readOnly) m.set("read_only", Value::boolean(true));
    setIf(m, "pid", s.pid);
    setIf(m, "log_driver", s.logDriver);
    if (!s.logOpts.empty()) {
        Value opts = Value::map();
        for (const auto& [k, v] : s.logOpts) opts.set(k, Value::string(v));
        m.set("log_opts", opts);
    }
}

}  // namespace

Value serviceToValue(const StackService& service) {
    const ServiceSpec& s = service.spec;
    Value m = Value::map();
    m.set("name", Value::string(s.name));
    m.set("image", Value::string(s.image));
    m.set("instances", Value::integer(s.instances));
    m.set("stateful", Value::boolean(s.stateful));
    m.set("strategy", Value::string(toString(s.strategy)));
    m.set("net", Value::string(s.net));
    setIf(m, "affinity", s.affinity);
    if (!s.ports.empty()) m.set("ports", portsValue(s.ports));
    if (!s.links.empty()) m.set("links", linksValue(s.links));
    if (!s.volumes.empty()) {
        Value list = Value::list();
        for (const auto& v : s.volumes) list.push(Value::string(mountText(v)));
        m.set("volumes", list);
    }
    setIf(m, "volumes_from", s.volumesFrom);
    resources(m, s);
    m.set("deploy_opts", deployValue(s.deploy));
    if (s.healthCheck) m.set("health_check", healthValue(*s.healthCheck));
    m.set("stop_grace_period", seconds(s.stopGracePeriod));
    setIf(m, "stop_signal", s.stopSignal);
    runtime(m, s);
    if (service.build) {
        Value b = Value::map();
        b.set("context", Value::string(service.build->context));
        setIf(b, "dockerfile", service.build->dockerfile);
        setIf(b, "args", service.build->args);
        m.set("build", b);
    }
    setIf(m, "external_links", service.externalLinks);
    return m;
}

Value stackToValue(const Stack& stack) {
    Value m = Value::map();
    m.set("stack", Value::string(stack.stack));
    m.set("name", Value::string(stack.name));
    m.set("version", Value::string(stack.version));
    setIf(m, "description", stack.description);
    setIf(m, "parent", stack.parent);
    setIf(m, "expose", stack.expose);
    setIf(m, "labels", stack.labels);
    if (!stack.variables.keys().empty()) m.set("variables", stack.variables);
    Value services = Value::list();
    for (const auto& s : stack.services) services.push(serviceToValue(s));
    m.set("services", services);
    if (!stack.volumes.empty()) {
        Value volumes = Value::list();
        for (const auto& v : stack.volumes) {
            Value vm = Value::map();
            vm.set("name", Value::string(v.name));
            vm.set("external", Value::boolean(v.external));
            if (v.external) vm.set("external_name", Value::string(v.externalName));
            if (v.scope) vm.set("scope", Value::string(toString(*v.scope)));
            setIf(vm, "driver", v.driver);
            volumes.push(vm);
        }
        m.set("volumes", volumes);
    }
    if (!stack.meta.isNil()) m.set("meta", stack.meta);
    if (!stack.dependencies.empty()) {
        Value deps = Value::list();
        for (const auto& d : stack.dependencies) deps.push(stackToValue(d));
        m.set("dependencies", deps);
    }
    return m;
}

namespace {

void emit(YAML::Emitter& out, const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Nil: out << YAML::Null; break;
    case Value::Kind::Bool: out << v.asBool(); break;
    case Value::Kind::Int: out << v.asInt(); break;
    case Value::Kind::Float: out << formatFloat(v.asFloat()); break;
    case Value::Kind::String: {
        // Quote strings that would read back as another type.
        const std::string& s = v.asString();
        const bool numeric = parseInteger(s).has_value() || parseFloat(s).has_value();
        static const char* words[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "True", "False", "Yes", "No", "On", "Off", "Null", "NULL", "TRUE", "FALSE"};
        bool word = s.empty();
        for (const char* w : words) word = word || s == w;
        if (numeric || word) out << YAML::DoubleQuoted << s;
        else out << s;
        break;
    }
    case Value::Kind::List:
        out << YAML::BeginSeq;
        for (const auto& item : v.items()) emit(out, item);
        out << YAML::EndSeq;
        break;
    case Value::Kind::Map:
        out << YAML::BeginMap;
        for (std::size_t i = 0; i < v.keys().size(); ++i) {
            out << YAML::Key << v.keys()[i] << YAML::Value;
            emit(out, v.items()[i]);
        }
        out << YAML::EndMap;
        break;
    }
}

void jsonString(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                static const char* hex = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

void json(std::string& out, const Value& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    const std::string closePad(static_cast<std::size_t>(indent), ' ');
    switch (v.kind()) {
    case Value::Kind::Nil: out += "null"; return;
    case Value::Kind::Bool: out += v.asBool() ? "true" : "false"; return;
    case Value::Kind::Int: out += std::to_string(v.asInt()); return;
    case Value::Kind::Float: out += std::isfinite(v.asFloat()) ? formatFloat(v.asFloat()) : "null"; return;
    case Value::Kind::String: jsonString(out, v.asString()); return;
    case Value::Kind::List:
        if (v.items().empty()) {
            out += "[]";
            return;
        }
        out += "[\n";
        for (std::size_t i = 0; i < v.items().size(); ++i) {
            out += pad;
            json(out, v.items()[i], indent + 2);
            out += i + 1 < v.items().size() ? ",\n" : "\n";
        }
        out += closePad + "]";
        return;
    case Value::Kind::Map:
        if (v.keys().empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        for (std::size_t i = 0; i < v.keys().size(); ++i) {
            out += pad;
            jsonString(out, v.keys()[i]);
            out += ": ";
            json(out, v.items()[i], indent + 2);
            out += i + 1 < v.keys().size() ? ",\n" : "\n";
        }
        out += closePad + "}";
        return;
    }
}

}  // namespace

std::string toYaml(const Value& v) {
    YAML::Emitter out;
    emit(out, v);
    return std::string(out.c_str()) + "\n";
}

std::string toJson(const Value& v) {
    std::string out;
    json(out, v, 0);
    return out + "\n";
}

}  // namespace kontena::stacks
