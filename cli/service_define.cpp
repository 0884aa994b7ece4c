// `kontena service create|update|rm|link|unlink|env`: services outside any
// stack file (Kontena's null stack). They live in one stack file the CLI
// keeps on the master as stack `null` (services named without a stack:
// `web`, containers `web-1`); each command reads that file, changes one
// service and upgrades it, so every rule of the core applies as it does to
// stacks (links must exist, 64-character names, stateful volumes...).
// Services of a real stack are changed in their stack file instead.
#include <yaml-cpp/yaml.h>

#include <QJsonDocument>

#include "api/paths.h"
#include "api/service.h"
#include "api/stack.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }
std::string str(const QString& s) { return s.toStdString(); }
const QString kNull = QStringLiteral("null");

// The null stack's file: read from the master (a new one when it has none).
struct NullStack {
    YAML::Node doc;
    bool installed = false;
    YAML::Node services() { return doc["services"]; }
};

std::optional<NullStack> loadNullStack(Call& c) {
    Session* s = c.session();
    if (!s) return std::nullopt;
    const client::ApiResult r = s->api->get(paths::stack(c.grid(), kNull));
    NullStack out;
    if (r.status == 404) {
        out.doc["stack"] = "kontena/null";
        out.doc["version"] = "0.0.1";
        out.doc["services"] = YAML::Node(YAML::NodeType::Map);
        return out;
    }
    if (!r.ok()) {
        apiFailure(*r.error);
        return std::nullopt;
    }
    try {
        out.doc = YAML::Load(str(r.object().value(QStringLiteral("source")).toString()));
    } catch (const YAML::Exception& e) {
        printErr(QStringLiteral("kontena: the null stack's file does not read: %1\n").arg(QString::fromStdString(e.what())));
        return std::nullopt;
    }
    out.installed = true;
    if (!out.doc["services"] || !out.doc["services"].IsMap()) out.doc["services"] = YAML::Node(YAML::NodeType::Map);
    return out;
}

// Upgrades (installs, removes when empty) the null stack; nothing deploys.
int saveNullStack(Call& c, NullStack& st) {
    if (st.services().size() == 0) return c.del(paths::stack(c.grid(), kNull)) ? static_cast<int>(Ok) : c.failed();
    YAML::Emitter out;
    out << st.doc;
    api::StackInstall request;
    request.name = kNull;
    request.source = QString::fromStdString(out.c_str()) + u'\n';
    request.deploy = false;
    const auto stack = st.installed ? c.put<api::Stack>(paths::stack(c.grid(), kNull), request)
                                    : c.post<api::Stack>(paths::gridStacks(c.grid()), request);
    return stack ? static_cast<int>(Ok) : c.failed();
}

// Stack-file text is templated: a `$` written by the user stays a `$`.
std::string literal(const QString& s) { return str(QString(s).replace(u'$', QStringLiteral("$$"))); }

void appendAll(YAML::Node list, const QStringList& values) {
    for (const QString& v : values) list.push_back(literal(v));
}

// "KEY=value" entries: a later entry replaces the key; "KEY=" keeps the current value (reference §6.4).
void mergeEnv(YAML::Node svc, const QStringList& entries) {
    YAML::Node env = svc["environment"];
    std::vector<std::string> current;
    if (env && env.IsSequence()) {
        for (const auto& e : env) current.push_back(e.as<std::string>());
    }
    for (const QString& entry : entries) {
        const std::string key = str(entry.section(u'=', 0, 0)) + "=";
        const bool keep = entry.endsWith(u'=');
        auto it = std::find_if(current.begin(), current.end(), [&](const std::string& e) { return e.rfind(key, 0) == 0; });
        if (it == current.end()) current.push_back(literal(entry));
        else if (!keep) *it = literal(entry);
    }
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& e : current) out.push_back(e);
    svc["environment"] = out;
}

QList<QCommandLineOption> definitionOptions(bool create) {
    QList<QCommandLineOption> o{{opt("instances"), opt("Instances"), opt("N")},
                                {{opt("e"), opt("env")}, opt("Environment variable (repeat); KEY= keeps the current value"), opt("KEY=VALUE")},
                                {{opt("p"), opt("ports")}, opt("Publish a port (repeat), [IP:]NODE_PORT:CONTAINER_PORT[/PROTO]"), opt("PORT")},
                                {{opt("l"), opt("link")}, opt("Link to a service (repeat), SERVICE[:ALIAS] or STACK/SERVICE[:ALIAS]"), opt("LINK")},
                                {{opt("a"), opt("affinity")}, opt("Affinity rule (repeat)"), opt("RULE")},
                                {opt("cmd"), opt("Command"), opt("CMD")},
                                {{opt("v"), opt("volume")}, opt("Volume (repeat), [SOURCE:]PATH[:FLAGS]"), opt("VOLUME")},
                                {opt("strategy"), opt("Deploy strategy: ha, daemon or random"), opt("STRATEGY")}};
    if (create) o << QCommandLineOption{opt("stateful"), opt("Stateful service")};
    else o << QCommandLineOption{opt("image"), opt("Image"), opt("IMAGE")};
    return o;
}

// The options given, into the service's definition (lists given replace the service's, env merges).
void applyOptions(Call& c, YAML::Node svc) {
    if (c.isSet("image")) svc["image"] = literal(c.value("image"));
    if (c.isSet("instances")) svc["instances"] = c.value("instances").toInt();
    if (c.isSet("stateful")) svc["stateful"] = true;
    if (c.isSet("cmd")) svc["command"] = literal(c.value("cmd"));
    if (c.isSet("strategy")) svc["deploy"]["strategy"] = literal(c.value("strategy"));
    if (c.isSet("e")) mergeEnv(svc, c.values("e"));
    const std::pair<const char*, const char*> lists[] = {{"p", "ports"}, {"l", "links"}, {"a", "affinity"}, {"v", "volumes"}};
    for (const auto& [option, key] : lists) {
        if (!c.isSet(option)) continue;
        svc[key] = YAML::Node(YAML::NodeType::Sequence);
        appendAll(svc[key], c.values(option));
    }
}

// The null-stack service NAME names, or "" after printing why it is not one.
QString nullService(Call& c, const QString& typed) {
    const api::ServiceRef ref = api::ServiceRef::inGrid(c.grid(), typed);
    if (ref.stack == kNull && !ref.name.isEmpty()) return ref.name;
    printErr(QStringLiteral("kontena: %1 belongs to stack %2: change its stack file and run `kontena stack upgrade %2 FILE`\n").arg(typed, ref.stack));
    return {};
}

int serviceCreate(const QStringList& args) {
    return runCommand({opt("kontena service create"), opt("Create a service outside any stack (deploy it with `service deploy`)."),
                       definitionOptions(true), {opt("NAME"), opt("IMAGE")}, Needs::Grid},
                      args, [](Call& c) {
                          if (c.arg(0).contains(u'/')) return c.usage(QStringLiteral("NAME is a service name; stack services come from stack files"));
                          auto st = loadNullStack(c);
                          if (!st) return c.failed();
                          if (st->services()[str(c.arg(0))]) {
                              printErr(QStringLiteral("kontena: service %1 exists already: use `kontena service update`\n").arg(c.arg(0)));
                              return static_cast<int>(Invalid);
                          }
                          YAML::Node svc(YAML::NodeType::Map);
                          svc["image"] = literal(c.arg(1));
                          applyOptions(c, svc);
                          st->services()[str(c.arg(0))] = svc;
                          if (int rc = saveNullStack(c, *st); rc != Ok) return rc;
                          printOut(QStringLiteral("Created service %1\n").arg(c.arg(0)));
                          return static_cast<int>(Ok);
                      });
}

// update / rm / link / unlink / env share: find the service, change it, save.
int changeService(const QStringList& args, const QString& action) {
    CommandSpec spec{QStringLiteral("kontena service ") + action, QString(), {}, {opt("SERVICE")}, Needs::Grid};
    if (action == QLatin1String("update")) {
        spec.description = opt("Change a service made with `service create` (only what is given changes).");
        spec.options = definitionOptions(false);
    } else if (action == QLatin1String("link") || action == QLatin1String("unlink")) {
        spec.description = action == QLatin1String("link") ? opt("Link a service to another.") : opt("Remove a link.");
        spec.positionals.append(opt("TARGET"));
    } else if (action == QLatin1String("rm")) {
        spec.description = opt("Remove a service made with `service create`.");
        spec.options = {{opt("force"), opt("Do not ask (accepted for Kontena's scripts)")}};
    } else {
        spec.description = opt("Show a service's environment (services made with `service create`).");
        spec.listing = true;
    }
    return runCommand(spec, args, [action](Call& c) {
        const QString name = nullService(c, c.arg(0));
        if (name.isEmpty()) return static_cast<int>(Invalid);
        auto st = loadNullStack(c);
        if (!st) return c.failed();
        YAML::Node svc = st->services()[str(name)];
        if (!svc) {
            printErr(QStringLiteral("kontena: Service %1 not found\n").arg(name));
            return static_cast<int>(Invalid);
        }
        if (action == QLatin1String("env")) {
            QStringList env;
            if (svc["environment"] && svc["environment"].IsSequence()) {
                for (const auto& e : svc["environment"]) env.append(QString::fromStdString(e.as<std::string>()).replace(QStringLiteral("$$"), QStringLiteral("$")));
            }
            return c.print(QJsonArray::fromStringList(env), [&] { printOut(env.isEmpty() ? QString() : env.join(u'\n') + u'\n'); });
        }
        if (action == QLatin1String("update")) applyOptions(c, svc);
        if (action == QLatin1String("rm")) st->services().remove(str(name));
        if (action == QLatin1String("link") || action == QLatin1String("unlink")) {
            std::vector<std::string> links;
            if (svc["links"] && svc["links"].IsSequence()) {
                for (const auto& l : svc["links"]) links.push_back(l.as<std::string>());
            }
            const std::string target = literal(c.arg(1));
            const std::string bare = target.substr(0, target.find(':'));
            links.erase(std::remove_if(links.begin(), links.end(), [&](const std::string& l) { return l.substr(0, l.find(':')) == bare; }), links.end());
            if (action == QLatin1String("link")) links.push_back(target);
            YAML::Node out(YAML::NodeType::Sequence);
            for (const auto& l : links) out.push_back(l);
            svc["links"] = out;
        }
        return saveNullStack(c, *st);
    });
}

}  // namespace

std::vector<Sub> serviceDefinitionSubs() {
    auto change = [](const char* action) {
        const QString a = QString::fromLatin1(action);
        return [a](const QStringList& args) { return changeService(args, a); };
    };
    return {{opt("create"), opt("Create a service outside stacks"), serviceCreate},
            {opt("update"), opt("Change a service made with create"), change("update")},
            {opt("rm"), opt("Remove a service made with create"), change("rm")},
            {opt("link"), opt("Link to another service"), change("link")},
            {opt("unlink"), opt("Remove a link"), change("unlink")},
            {opt("env"), opt("A service's environment"), change("env")}};
}

}  // namespace kontena::cli
