// `kontena stack ...`: stack files (validate, install, upgrade) and the grid's stacks.
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "api/paths.h"
#include "api/stack.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"
#include "streams.h"
#include "stacks/loader.h"
#include "stacks/render.h"
#include "stacks/values_file.h"
#include "master_backend.h"
#include "stack_source.h"
#include "terminal_backend.h"

namespace kontena::cli {
namespace {

struct ValidateArgs {
    QString file;
    QString registry;
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

// Reads FILE (a path, a URL or a registry reference, stack_source.h) and
// renders it with `options`, whose files and child stacks then come from
// `sources`. nullopt when FILE could not be read (the reason printed);
// otherwise the result, the fetch errors printed before its diagnostics.
std::optional<stacks::LoadResult> loadFrom(StackSources& sources, const QString& file, stacks::LoadOptions& options, std::string* topText) {
    QString location;
    auto text = sources.readTop(file, &location);
    if (!text) {
        for (const QString& e : sources.errors()) printErr(QStringLiteral("kontena stack: ") + e + QLatin1Char('\n'));
        return std::nullopt;
    }
    options.files = &sources;
    options.registry = &sources;
    stacks::LoadResult result = stacks::loadStackText(*text, location.toStdString(), options);
    for (const QString& e : sources.errors()) printErr(QStringLiteral("kontena stack: ") + e + QLatin1Char('\n'));
    printErr(QString::fromStdString(result.diagnostics.format()));
    if (topText) *topText = std::move(*text);
    return result;
}

QString opt(const char* name) { return QString::fromLatin1(name); }

QCommandLineOption registryOption() {
    return {opt("registry"), opt("The stack registry for user/stack[:version] (default: KONTENA_STACK_REGISTRY)"), opt("URL")};
}

int parseValidate(const QStringList& args, ValidateArgs& out) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Read, resolve and validate a stack file; print the rendered stack (exit 0) or the errors (exit 1)."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The stack file (kontena.yml), an http(s) URL or user/stack[:version]"));
    p.addOption(registryOption());
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
    out.registry = p.value(QStringLiteral("registry"));
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
    StackSources sources(StackSources::registryFrom(a.registry), StackSources::timeoutFromEnvironment());
    const auto loaded = loadFrom(sources, a.file, a.options, nullptr);
    if (!loaded || !loaded->ok()) return Invalid;
    const stacks::LoadResult& result = *loaded;
    const stacks::Value rendered = stacks::stackToValue(*result.stack);
    printOut(QString::fromStdString(a.json ? stacks::toJson(rendered) : stacks::toYaml(rendered)));
    return Ok;
}

// The final variable values of a rendered stack, as the master receives them.
QJsonObject variablesJson(const stacks::Value& vars) {
    QJsonObject out;
    for (std::size_t i = 0; i < vars.keys().size(); ++i) {
        const stacks::Value& v = vars.items()[i];
        const QString key = QString::fromStdString(vars.keys()[i]);
        switch (v.kind()) {
        case stacks::Value::Kind::Bool: out.insert(key, v.asBool()); break;
        case stacks::Value::Kind::Int: out.insert(key, static_cast<double>(v.asInt())); break;
        case stacks::Value::Kind::Float: out.insert(key, v.asFloat()); break;
        case stacks::Value::Kind::Nil: break;
        default: out.insert(key, QString::fromStdString(v.toText())); break;
        }
    }
    return out;
}

struct RenderArgs {
    QString file;
    std::map<std::string, stacks::Value> reused;   // --reuse-values: the installed stack's
    bool dryRun = false;                           // --dry-run: no vault writes
    std::optional<stacks::Stack> rendered;         // out: the stack as rendered
};

// A JSON variable of an installed stack as a value for the renderer.
std::optional<stacks::Value> valueOfJson(const QJsonValue& v) {
    if (v.isBool()) return stacks::Value::boolean(v.toBool());
    if (v.isDouble() && v.toDouble() == std::floor(v.toDouble())) return stacks::Value::integer(static_cast<std::int64_t>(v.toDouble()));
    if (v.isDouble()) return stacks::Value::number(v.toDouble());
    if (v.isString()) return stacks::Value::string(v.toString().toStdString());
    return std::nullopt;
}

// Renders FILE as `validate` does (errors show here, with file:line:column)
// into the install request: the stack's name, the file as written (the
// master renders it again with the final values), those values, and the
// files it reads.
int render(Call& c, RenderArgs& a, api::StackInstall* request) {
    const QCommandLineParser& p = c.parser();
    stacks::LoadOptions options;
    options.name = p.value(QStringLiteral("name")).toStdString();
    if (!c.grid().isEmpty()) options.grid = c.grid().toStdString();
    options.values = a.reused;
    if (QString error = collectValues(p, options); !error.isEmpty()) {
        printErr(QStringLiteral("kontena stack: ") + error + QStringLiteral("\n"));
        return Usage;
    }
    MasterBackend master(c, stdinIsTerminal());   // vault reads from the grid, prompts on a terminal
    StackSources sources(StackSources::registryFrom(p.value(QStringLiteral("registry"))), StackSources::timeoutFromEnvironment());
    options.backend = &master;
    options.seed = std::random_device{}();
    std::string top;
    const auto loaded = loadFrom(sources, a.file, options, &top);
    if (!loaded || !loaded->ok()) return Invalid;
    const stacks::LoadResult& result = *loaded;
    if (!master.error().isEmpty()) {
        printErr(QStringLiteral("kontena stack: ") + master.error() + QLatin1Char('\n'));
        return Invalid;
    }
    if (!a.dryRun && !writeVault(c, *result.stack)) return c.failed();   // `to: vault`: before the master checks the secrets exist
    request->name = QString::fromStdString(result.stack->name);
    request->source = QString::fromStdString(top);
    request->variables = variablesJson(result.stack->variables);
    request->files = sources.requestFiles();
    a.rendered = *result.stack;
    return -1;
}

QList<QCommandLineOption> renderOptions(bool upgrade) {
    QList<QCommandLineOption> o{{{opt("n"), opt("name")}, opt("Stack instance name"), opt("NAME")},
                                {opt("values-from"), opt("Read variable values from a YAML file"), opt("FILE")},
                                {opt("values-to"), opt("Write the final variable values to a YAML file"), opt("FILE")},
                                {{opt("v"), opt("var")}, opt("Set a variable"), opt("KEY=VALUE")},
                                {opt("no-deploy"), opt("Install or upgrade without deploying")},
                                {opt("no-wait"), opt("Do not wait for the deploy to finish")},
                                registryOption()};
    if (upgrade) {
        o << QCommandLineOption{opt("reuse-values"), opt("Start from the installed stack's variable values")}
          << QCommandLineOption{opt("dry-run"), opt("Show what the upgrade would change; change nothing")}
          << QCommandLineOption{opt("force"), opt("Upgrade even when the file is another stack (stack: differs)")};
    } else {
        o << QCommandLineOption{opt("skip-dependencies"), opt("Do not install the child stacks (depends:)")};
    }
    return o;
}

int waitStackDeploy(Call& c, const QString& stack, const QString& deployId) {
    if (deployId.isEmpty()) return Ok;
    return waitForDeploy(c, api::paths::stackDeployment(c.grid(), stack, deployId), QStringLiteral("deploy of stack ") + stack, true);
}

// --values-to FILE: the final values, as `--values-from` reads them.
bool writeValues(const QString& path, const stacks::Stack& st) {
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        printErr(QStringLiteral("kontena stack: cannot write %1\n").arg(path));
        return false;
    }
    out.write(st.variables.keys().empty() ? QByteArray("{}\n") : QByteArray::fromStdString(stacks::toYaml(st.variables)));
    return true;
}

// --dry-run: the services the upgrade would add, change and remove.
int printUpgradePlan(const api::Stack& installed, const stacks::Stack& next) {
    QString text = QStringLiteral("Upgrade of stack %1 (%2:%3 -> %4:%5), nothing changed (--dry-run):\n")
                       .arg(installed.name, installed.stack, installed.version, QString::fromStdString(next.stack),
                            QString::fromStdString(next.version));
    for (const auto& svc : next.services) {
        const QString name = QString::fromStdString(svc.spec.name), image = QString::fromStdString(svc.spec.image);
        const auto old = std::find_if(installed.services.begin(), installed.services.end(), [&](const api::Service& s) { return s.name == name; });
        if (old == installed.services.end()) text += QStringLiteral("  + %1: new (image %2, %3 instances)\n").arg(name, image).arg(svc.spec.instances);
        else if (old->image != image || old->instances != svc.spec.instances)
            text += QStringLiteral("  ~ %1: image %2 -> %3, instances %4 -> %5\n").arg(name, old->image, image).arg(old->instances).arg(svc.spec.instances);
        else text += QStringLiteral("  = %1: image and instances unchanged\n").arg(name);
    }
    for (const auto& old : installed.services) {
        if (!next.service(old.name.toStdString())) text += QStringLiteral("  - %1: removed\n").arg(old.name);
    }
    printOut(text);
    return Ok;
}

// The installed stack an upgrade starts from: --reuse-values, --dry-run and
// the --force check need it.
int upgradeChecks(Call& c, const QString& name, RenderArgs& a, std::optional<api::Stack>& installed) {
    if (!c.isSet("reuse-values") && !c.isSet("dry-run") && c.isSet("force")) return -1;
    installed = c.get<api::Stack>(api::paths::stack(c.grid(), name));
    if (!installed) return c.failed();
    if (c.isSet("reuse-values")) {
        for (auto it = installed->variables.begin(); it != installed->variables.end(); ++it) {
            if (auto v = valueOfJson(it.value())) a.reused[it.key().toStdString()] = *v;
        }
    }
    return -1;
}

int installOrUpgrade(const QStringList& args, bool upgrade) {
    const CommandSpec spec{upgrade ? opt("kontena stack upgrade") : opt("kontena stack install"),
                           upgrade ? opt("Upgrade a stack from a stack file, then deploy it. FILE: a path (default kontena.yml), an http(s) URL or "
                                         "user/stack[:version] of the stack registry.")
                                   : opt("Install a stack from a stack file, then deploy it. FILE: a path (default kontena.yml), an http(s) URL or "
                                         "user/stack[:version] of the stack registry."),
                           renderOptions(upgrade),
                           upgrade ? QStringList{opt("NAME"), opt("[FILE]")} : QStringList{opt("[FILE]")},
                           Needs::Grid,
                           false,
                           upgrade ? 1 : 0,
                           upgrade ? 2 : 1};
    return runCommand(spec, args, [upgrade](Call& c) {
        QStringList pos = c.args();
        const QString given = upgrade ? pos.takeFirst() : QString();
        RenderArgs a;
        a.file = pos.value(0, opt("kontena.yml"));
        a.dryRun = upgrade && c.isSet("dry-run");
        std::optional<api::Stack> installed;
        if (upgrade) {
            if (int rc = upgradeChecks(c, given, a, installed); rc >= 0) return rc;
        }
        api::StackInstall request;
        if (int rc = render(c, a, &request); rc >= 0) return rc;
        if (c.isSet("values-to") && !writeValues(c.value("values-to"), *a.rendered)) return static_cast<int>(Invalid);
        if (upgrade) request.name = given;
        if (installed && !c.isSet("force") && installed->stack != QString::fromStdString(a.rendered->stack)) {
            printErr(QStringLiteral("kontena stack upgrade: stack %1 is %2, the file is %3: give --force to replace it\n")
                         .arg(given, installed->stack, QString::fromStdString(a.rendered->stack)));
            return static_cast<int>(Invalid);
        }
        if (a.dryRun) return printUpgradePlan(*installed, *a.rendered);
        request.deploy = !c.isSet("no-deploy");
        request.skipDependencies = !upgrade && c.isSet("skip-dependencies");
        const auto stack = upgrade ? c.put<api::Stack>(api::paths::stack(c.grid(), request.name), request)
                                   : c.post<api::Stack>(api::paths::gridStacks(c.grid()), request);
        if (!stack) return c.failed();
        printOut(QStringLiteral("%1 stack %2\n").arg(upgrade ? opt("Upgraded") : opt("Installed"), request.name));
        if (c.isSet("no-deploy") || c.isSet("no-wait")) return static_cast<int>(Ok);
        return waitStackDeploy(c, request.name, stack->deployId.value_or(QString()));
    });
}

// Kontena's LABELS column: comma separated, `-` for none, cut at 43 characters on a terminal.
QString labelsColumn(const QStringList& labels) {
    const QString text = labels.isEmpty() ? QStringLiteral("-") : labels.join(u',');
    return text.size() > 43 && stdoutIsTerminal() ? text.left(41) + QStringLiteral("...") : text;
}

int stackList(const QStringList& args) {
    return runCommand({opt("kontena stack ls"), opt("List stacks."), {}, {}, Needs::Grid, true}, args, [](Call& c) {
        auto list = c.get<api::StackList>(api::paths::gridStacks(c.grid()));
        if (!list) return c.failed();
        list->stacks.removeIf([](const api::Stack& st) { return st.name == QLatin1String("null"); });   // services made with `service create`
        return c.print(api::toJsonArray(list->stacks), [&] {
            QList<QStringList> rows;
            for (const auto& st : list->stacks) {
                rows.append({(st.running() ? QStringLiteral("⊛ ") : QStringLiteral("⊝ ")) + st.name,
                             st.stack + QLatin1Char(':') + st.version, QString::number(st.services.size()), st.state, labelsColumn(st.labels)});
            }
            printTable({opt("NAME"), opt("STACK"), opt("SERVICES"), opt("STATE"), opt("LABELS")}, rows);
        });
    });
}

void printStack(const api::Stack& st) {
    QString text = QStringLiteral("%1:\n  stack: %2\n  version: %3\n  revision: %4\n  state: %5\n  created: %6\n  updated: %7\n  labels: %8\n"
                                  "  services:\n")
                       .arg(st.name, st.stack, st.version, QString::number(st.revision), st.state, st.createdAt.value_or(QString()),
                            st.updatedAt.value_or(QString()), st.labels.isEmpty() ? QStringLiteral("-") : st.labels.join(u','));
    for (const auto& svc : st.services) {
        text += QStringLiteral("    %1: image %2, %3 of %4 running, %5\n")
                    .arg(svc.name, svc.image)
                    .arg(svc.instanceCounts.running)
                    .arg(svc.instances)
                    .arg(svc.state);
    }
    printOut(text);
}

int stackShow(const QStringList& args) {
    return runCommand({opt("kontena stack show"), opt("Show a stack."), {}, {opt("NAME")}, Needs::Grid, true}, args, [](Call& c) {
        const auto st = c.get<api::Stack>(api::paths::stack(c.grid(), c.arg(0)));
        if (!st) return c.failed();
        return c.print(st->toJson(), [&] { printStack(*st); });
    });
}

// `stack inspect NAME`: the stack file as installed (--values: its variable values).
int stackInspect(const QStringList& args) {
    return runCommand({opt("kontena stack inspect"), opt("Print the stack file a stack was installed from."),
                       {{opt("values"), opt("Print the variable values instead (YAML, for --values-from)")}}, {opt("NAME")}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto st = c.get<api::Stack>(api::paths::stack(c.grid(), c.arg(0)));
                          if (!st) return c.failed();
                          if (c.isSet("values")) {
                              return c.print(st->variables, [&] {
                                  stacks::Value values = stacks::Value::map();
                                  for (auto it = st->variables.begin(); it != st->variables.end(); ++it) {
                                      if (auto v = valueOfJson(it.value())) values.set(it.key().toStdString(), *v);
                                  }
                                  printOut(values.keys().empty() ? QStringLiteral("{}\n") : QString::fromStdString(stacks::toYaml(values)));
                              });
                          }
                          return c.print(QJsonValue(st->source), [&] {
                              printOut(st->source.endsWith(u'\n') || st->source.isEmpty() ? st->source : st->source + u'\n');
                          });
                      });
}

// deploy / start / stop / restart / rm
int stackAction(const QStringList& args, const QString& action) {
    QList<QCommandLineOption> options{{opt("no-wait"), opt("Do not wait for the deploy to finish")}};
    if (action == QLatin1String("rm")) {
        options = {{opt("keep-dependencies"), opt("Keep the child stacks (depends:); by default they are removed with it")},
                   {opt("force"), opt("Do not ask (accepted for Kontena's scripts)")}};
    }
    return runCommand({QStringLiteral("kontena stack ") + action, QStringLiteral("%1 a stack.").arg(action), options, {opt("NAME")}, Needs::Grid},
                      args, [action](Call& c) {
                          const QString grid = c.grid(), name = c.arg(0);
                          if (action == QLatin1String("rm")) {
                              const QString keep = c.isSet("keep-dependencies") ? QStringLiteral("?keep_dependencies=true") : QString();
                              return c.del(api::paths::stack(grid, name) + keep) ? static_cast<int>(Ok) : c.failed();
                          }
                          const QString path = action == QLatin1String("deploy")    ? api::paths::stackDeploy(grid, name)
                                               : action == QLatin1String("start")   ? api::paths::stackStart(grid, name)
                                               : action == QLatin1String("stop")    ? api::paths::stackStop(grid, name)
                                                                                    : api::paths::stackRestart(grid, name);
                          const auto deploy = c.post<api::StackDeploy>(path, api::DeployRequest{});
                          if (!deploy) return c.failed();
                          if (action != QLatin1String("deploy") || c.isSet("no-wait")) return static_cast<int>(Ok);
                          return waitStackDeploy(c, name, deploy->id);
                      });
}

}  // namespace

namespace {
int stackLogs(const QStringList& args) {
    return runCommand({QStringLiteral("kontena stack logs"), QStringLiteral("Show the container logs of a stack's services."), logOptions(),
                       {QStringLiteral("NAME")}, Needs::Grid, true},
                      args, [](Call& c) { return showLogs(c, api::paths::stack(c.grid(), c.arg(0)) + QStringLiteral("/container_logs")); });
}
int stackEvents(const QStringList& args) {
    return runCommand({QStringLiteral("kontena stack events"), QStringLiteral("Show the events of a stack and its services."), eventOptions(),
                       {QStringLiteral("NAME")}, Needs::Grid, true},
                      args, [](Call& c) { return showEvents(c, api::paths::stack(c.grid(), c.arg(0)) + QStringLiteral("/event_logs")); });
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
                                      {QStringLiteral("inspect"), QStringLiteral("Print a stack's installed file"), stackInspect},
                                      {QStringLiteral("deploy"), QStringLiteral("Deploy a stack"), action("deploy")},
                                      {QStringLiteral("start"), QStringLiteral("Start a stack's services"), action("start")},
                                      {QStringLiteral("stop"), QStringLiteral("Stop a stack's services"), action("stop")},
                                      {QStringLiteral("restart"), QStringLiteral("Restart a stack's services"), action("restart")},
                                      {QStringLiteral("rm"), QStringLiteral("Remove a stack"), action("rm")},
                                      {QStringLiteral("logs"), QStringLiteral("Container logs of the stack's services"), stackLogs},
                                      {QStringLiteral("events"), QStringLiteral("Events of the stack"), stackEvents},
                                      {QStringLiteral("validate"), QStringLiteral("Validate a stack file and print it rendered"), validate},
                                      stackLabelSub()});
            }};
}

}  // namespace kontena::cli
