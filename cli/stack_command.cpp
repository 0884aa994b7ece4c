// `kontena stack ...`: stack file commands. For now: validate.
#include <QCommandLineParser>
#include <QFile>

#include <random>

#include "command.h"
#include "dispatch.h"
#include "session.h"
#include "stacks/loader.h"
#include "stacks/render.h"
#include "stacks/values_file.h"
#include "terminal_backend.h"

namespace kontena::cli {
namespace {

struct ValidateArgs {
    QString file;
    stacks::LoadOptions options;
    bool json = false;
};

// Reads --values-from then -v (later -v win); returns an error text or "".
QString collectValues(const QCommandLineParser& p, stacks::LoadOptions& options) {
    if (p.isSet(QStringLiteral("values-from"))) {
        const QString path = p.value(QStringLiteral("values-from"));
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("cannot read values file %1").arg(path);
        auto values = stacks::parseValuesFile(f.readAll().toStdString());
        if (!values.ok()) return path + QStringLiteral(": ") + QString::fromStdString(values.error().message);
        for (const auto& [k, v] : values.value()) options.values[k] = v;
    }
    for (const QString& assignment : p.values(QStringLiteral("v"))) {
        auto kv = stacks::parseValueAssignment(assignment.toStdString());
        if (!kv.ok()) return QString::fromStdString(kv.error().message);
        options.values[kv.value().first] = kv.value().second;
    }
    return {};
}

int parseValidate(const QStringList& args, ValidateArgs& out) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Read, resolve and validate a stack file; print the rendered stack (exit 0) or the errors (exit 1)."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The stack file (kontena.yml)"));
    p.addOption({{QStringLiteral("n"), QStringLiteral("name")}, QStringLiteral("Stack instance name"), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("values-from"), QStringLiteral("Read variable values from a YAML file"), QStringLiteral("FILE")});
    p.addOption({{QStringLiteral("v"), QStringLiteral("var")}, QStringLiteral("Set a variable (dep.var for a dependency)"),
                 QStringLiteral("KEY=VALUE")});
    p.addOption({QStringLiteral("placeholders"),
                 QStringLiteral("Fill variables without a value, and master-backed ones, with placeholders")});
    p.addOption({QStringLiteral("format"), QStringLiteral("Output format: yaml (default) or json"), QStringLiteral("FORMAT"),
                 QStringLiteral("yaml")});
    if (!p.parse(QStringList{QStringLiteral("kontena stack validate")} + args)) {
        printErr(p.errorText() + QStringLiteral("\n"));
        return Usage;
    }
    if (p.isSet(QStringLiteral("help"))) {
        printOut(p.helpText());
        return Ok;
    }
    if (p.positionalArguments().size() != 1) {
        printErr(QStringLiteral("kontena stack validate: expected one FILE\n"));
        return Usage;
    }
    const QString format = p.value(QStringLiteral("format"));
    if (format != QStringLiteral("yaml") && format != QStringLiteral("json")) {
        printErr(QStringLiteral("kontena stack validate: --format must be yaml or json\n"));
        return Usage;
    }
    out.file = p.positionalArguments().first();
    out.json = format == QStringLiteral("json");
    out.options.name = p.value(QStringLiteral("name")).toStdString();
    out.options.placeholders = p.isSet(QStringLiteral("placeholders"));
    if (const QString grid = qEnvironmentVariable("KONTENA_GRID"); !grid.isEmpty()) out.options.grid = grid.toStdString();
    if (QString error = collectValues(p, out.options); !error.isEmpty()) {
        printErr(QStringLiteral("kontena stack validate: ") + error + QStringLiteral("\n"));
        return Usage;
    }
    return -1;
}

int validate(const QStringList& args) {
    ValidateArgs a;
    if (int rc = parseValidate(args, a); rc >= 0) return rc;
    stacks::OfflineBackend offline;
    TerminalBackend terminal;
    // Never prompt without a terminal, nor when placeholders were asked for.
    a.options.backend = (stdinIsTerminal() && !a.options.placeholders) ? &terminal : &offline;
    a.options.seed = std::random_device{}();
    const stacks::LoadResult result = stacks::loadStackFile(a.file.toStdString(), a.options);
    printErr(QString::fromStdString(result.diagnostics.format()));
    if (!result.ok()) return Invalid;
    const stacks::Value rendered = stacks::stackToValue(*result.stack);
    printOut(QString::fromStdString(a.json ? stacks::toJson(rendered) : stacks::toYaml(rendered)));
    return Ok;
}

// Renders FILE as `validate` does (errors show here, with file:line:column);
// the master gets the file and the final variable values.
int render(const QCommandLineParser& p, const QString& file, QString* name, QString* yaml, QJsonObject* variables) {
    stacks::LoadOptions options;
    options.name = p.value(QStringLiteral("name")).toStdString();
    if (const QString grid = qEnvironmentVariable("KONTENA_GRID"); !grid.isEmpty()) options.grid = grid.toStdString();
    if (QString error = collectValues(p, options); !error.isEmpty()) {
        printErr(QStringLiteral("kontena stack: ") + error + QStringLiteral("\n"));
        return Usage;
    }
    stacks::OfflineBackend offline;
    TerminalBackend terminal;
    options.backend = stdinIsTerminal() ? static_cast<stacks::ResolverBackend*>(&terminal) : &offline;
    options.seed = std::random_device{}();
    const stacks::LoadResult result = stacks::loadStackFile(file.toStdString(), options);
    printErr(QString::fromStdString(result.diagnostics.format()));
    if (!result.ok()) return Invalid;
    *name = QString::fromStdString(result.stack->name);
    // The master renders the same file again with the final values (it
    // validates what it stores); the file itself travels as written.
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        printErr(QStringLiteral("kontena stack: cannot read %1\n").arg(file));
        return Invalid;
    }
    *yaml = QString::fromUtf8(f.readAll());
    const stacks::Value& vars = result.stack->variables;
    for (std::size_t i = 0; i < vars.keys().size(); ++i) {
        const stacks::Value& v = vars.items()[i];
        const QString key = QString::fromStdString(vars.keys()[i]);
        switch (v.kind()) {
        case stacks::Value::Kind::Bool: variables->insert(key, v.asBool()); break;
        case stacks::Value::Kind::Int: variables->insert(key, static_cast<double>(v.asInt())); break;
        case stacks::Value::Kind::Float: variables->insert(key, v.asFloat()); break;
        case stacks::Value::Kind::Nil: break;
        default: variables->insert(key, QString::fromStdString(v.toText())); break;
        }
    }
    return -1;
}

QList<QCommandLineOption> renderOptions() {
    return {{{QStringLiteral("n"), QStringLiteral("name")}, QStringLiteral("Stack instance name"), QStringLiteral("NAME")},
            {QStringLiteral("values-from"), QStringLiteral("Read variable values from a YAML file"), QStringLiteral("FILE")},
            {{QStringLiteral("v"), QStringLiteral("var")}, QStringLiteral("Set a variable"), QStringLiteral("KEY=VALUE")},
            {QStringLiteral("no-deploy"), QStringLiteral("Install or upgrade without deploying")},
            {QStringLiteral("no-wait"), QStringLiteral("Do not wait for the deploy to finish")}};
}

int waitStackDeploy(Session& s, const QString& stack, const QString& deployId, const QString& what) {
    if (deployId.isEmpty()) return Ok;
    return waitForDeploy(s, QStringLiteral("/v1/stacks/%1/%2/deploys/%3").arg(s.grid, stack, deployId), what);
}

int installOrUpgrade(const QStringList& args, bool upgrade) {
    Parsed a;
    const QString cmd = upgrade ? QStringLiteral("kontena stack upgrade") : QStringLiteral("kontena stack install");
    parseArgs(a, cmd, upgrade ? QStringLiteral("Upgrade a stack from a stack file, then deploy it.") : QStringLiteral("Install a stack from a stack file, then deploy it."),
              args, renderOptions(), upgrade ? QStringList{QStringLiteral("NAME"), QStringLiteral("[FILE]")} : QStringList{QStringLiteral("[FILE]")}, false,
              upgrade ? 1 : 0, upgrade ? 2 : 1);
    if (a.exit >= 0) return a.exit;
    QStringList pos = a.p.positionalArguments();
    const QString given = upgrade ? pos.takeFirst() : QString();
    const QString file = pos.value(0, QStringLiteral("kontena.yml"));
    QString name, yaml;
    QJsonObject variables;
    if (int rc = render(a.p, file, &name, &yaml, &variables); rc >= 0) return rc;
    if (upgrade) name = given;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const QJsonObject body{{QStringLiteral("name"), name}, {QStringLiteral("source"), yaml}, {QStringLiteral("variables"), variables},
                           {QStringLiteral("deploy"), !a.p.isSet(QStringLiteral("no-deploy"))}};
    const auto r = upgrade ? s->api->put(QStringLiteral("/v1/stacks/%1/%2").arg(s->grid, name), body)
                           : s->api->post(QStringLiteral("/v1/grids/%1/stacks").arg(s->grid), body);
    if (!r.ok()) return apiFailure(r);
    printOut(QStringLiteral("%1 stack %2\n").arg(upgrade ? QStringLiteral("Upgraded") : QStringLiteral("Installed"), name));
    if (a.p.isSet(QStringLiteral("no-deploy")) || a.p.isSet(QStringLiteral("no-wait"))) return Ok;
    return waitStackDeploy(*s, name, r.object().value(QStringLiteral("deploy_id")).toString(), QStringLiteral("deploy of stack ") + name);
}

int stackList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena stack ls"), QStringLiteral("List stacks."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/grids/%1/stacks").arg(s->grid));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray stacks = r.object().value(QStringLiteral("stacks")).toArray();
    if (wantsJson(a.p)) {
        printJson(stacks);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : stacks) {
        const QJsonObject st = v.toObject();
        const QString state = st.value(QStringLiteral("state")).toString();
        rows.append({(state == QLatin1String("running") ? QStringLiteral("⊛ ") : QStringLiteral("⊝ ")) + st.value(QStringLiteral("name")).toString(),
                     st.value(QStringLiteral("stack")).toString() + QLatin1Char(':') + st.value(QStringLiteral("version")).toString(),
                     QString::number(st.value(QStringLiteral("services")).toArray().size()), state});
    }
    printTable({QStringLiteral("NAME"), QStringLiteral("STACK"), QStringLiteral("SERVICES"), QStringLiteral("STATE")}, rows);
    return Ok;
}

int stackShow(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena stack show"), QStringLiteral("Show a stack."), args, {}, {QStringLiteral("NAME")}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/stacks/%1/%2").arg(s->grid, a.p.positionalArguments().first()));
    if (!r.ok()) return apiFailure(r);
    if (wantsJson(a.p)) {
        printJson(r.body);
        return Ok;
    }
    const QJsonObject st = r.object();
    QString text = QStringLiteral("%1:\n  stack: %2\n  version: %3\n  revision: %4\n  state: %5\n  created: %6\n  updated: %7\n  services:\n")
                       .arg(st.value(QStringLiteral("name")).toString(), st.value(QStringLiteral("stack")).toString(), st.value(QStringLiteral("version")).toString(),
                            QString::number(st.value(QStringLiteral("revision")).toInt()), st.value(QStringLiteral("state")).toString(),
                            st.value(QStringLiteral("created_at")).toString(), st.value(QStringLiteral("updated_at")).toString());
    for (const auto& v : st.value(QStringLiteral("services")).toArray()) {
        const QJsonObject svc = v.toObject();
        text += QStringLiteral("    %1: image %2, %3 of %4 running, %5\n")
                    .arg(svc.value(QStringLiteral("name")).toString(), svc.value(QStringLiteral("image")).toString())
                    .arg(svc.value(QStringLiteral("instance_counts")).toObject().value(QStringLiteral("running")).toInt())
                    .arg(svc.value(QStringLiteral("instances")).toInt())
                    .arg(svc.value(QStringLiteral("state")).toString());
    }
    printOut(text);
    return Ok;
}

int stackAction(const QStringList& args, const QString& action) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena stack ") + action, QStringLiteral("%1 a stack.").arg(action), args,
              {{QStringLiteral("no-wait"), QStringLiteral("Do not wait for the deploy to finish")}}, {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const QString name = a.p.positionalArguments().first();
    const QString path = QStringLiteral("/v1/stacks/%1/%2").arg(s->grid, name);
    const auto r = action == QLatin1String("rm") ? s->api->del(path) : s->api->post(path + QLatin1Char('/') + action);
    if (!r.ok()) return apiFailure(r);
    if (action != QLatin1String("deploy") || a.p.isSet(QStringLiteral("no-wait"))) return Ok;
    return waitStackDeploy(*s, name, r.object().value(QStringLiteral("id")).toString(), QStringLiteral("deploy of stack ") + name);
}

}  // namespace

Group stackGroup() {
    auto action = [](const char* name) {
        const QString a = QString::fromLatin1(name);
        return [a](const QStringList& args) { return stackAction(args, a); };
    };
    return {QStringLiteral("stack"), QStringLiteral("Stack files and stacks"), [action](const QStringList& args) {
                return dispatchGroup(QStringLiteral("stack"), args,
                                     {{QStringLiteral("install"), QStringLiteral("Install a stack from a file"), [](const QStringList& a) { return installOrUpgrade(a, false); }},
                                      {QStringLiteral("upgrade"), QStringLiteral("Upgrade a stack from a file"), [](const QStringList& a) { return installOrUpgrade(a, true); }},
                                      {QStringLiteral("ls"), QStringLiteral("List stacks"), stackList},
                                      {QStringLiteral("show"), QStringLiteral("Show a stack"), stackShow},
                                      {QStringLiteral("deploy"), QStringLiteral("Deploy a stack"), action("deploy")},
                                      {QStringLiteral("start"), QStringLiteral("Start a stack's services"), action("start")},
                                      {QStringLiteral("stop"), QStringLiteral("Stop a stack's services"), action("stop")},
                                      {QStringLiteral("restart"), QStringLiteral("Restart a stack's services"), action("restart")},
                                      {QStringLiteral("rm"), QStringLiteral("Remove a stack"), action("rm")},
                                      {QStringLiteral("validate"), QStringLiteral("Validate a stack file and print it rendered"), validate}});
            }};
}

}  // namespace kontena::cli
