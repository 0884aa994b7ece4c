// `kontena stack ...`: stack file commands. For now: validate.
#include <QCommandLineParser>
#include <QFile>

#include <random>

#include "command.h"
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

QString stackUsage() {
    return QStringLiteral(
        "Usage: kontena stack <command> [options]\n\n"
        "Commands:\n"
        "  validate FILE   Validate a stack file and print it rendered\n");
}

}  // namespace

Group stackGroup() {
    return {QStringLiteral("stack"), QStringLiteral("Stack files and stacks"), [](const QStringList& args) {
                if (args.isEmpty() || args.first() == QStringLiteral("--help")) {
                    printOut(stackUsage());
                    return static_cast<int>(args.isEmpty() ? Usage : Ok);
                }
                const QString sub = args.first();
                if (sub == QStringLiteral("validate")) return validate(args.mid(1));
                printErr(QStringLiteral("kontena stack: unknown command '%1'\n\n").arg(sub) + stackUsage());
                return static_cast<int>(Usage);
            }};
}

}  // namespace kontena::cli
