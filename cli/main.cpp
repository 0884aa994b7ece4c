// kontena: the command-line client. Dispatches `kontena <group> ...` to the
// command group that owns it (see command.h).
#include <QCoreApplication>

#include "command.h"
#include "dispatch.h"

namespace {

// Kontena's tree: each group with its commands (cloud and plugin are not part of this platform).
QString usage() {
    QString text = QStringLiteral("Usage: kontena [--grid GRID] <command> [options]\n\nCommands:\n");
    for (const auto& g : kontena::cli::groups()) {
        text += QStringLiteral("  %1  %2\n").arg(g.name, -22).arg(g.summary);
        for (const auto& e : kontena::cli::commandTree(g.run)) {
            const QString name = QString(2 * e.depth, u' ') + e.name;
            text += QStringLiteral("  %1  %2\n").arg(name, -22).arg(e.summary);
        }
    }
    text += QStringLiteral("\nOptions:\n  --grid GRID             use this grid instead of the current one (also KONTENA_GRID)\n"
                           "  -h, --help              this help\n"
                           "\nRun `kontena <command> --help` for the options of a command. `list` and `remove` may be\n"
                           "written for `ls` and `rm` everywhere.\n");
    return text;
}

// Takes the global `--grid GRID` / `--grid=GRID` out of the arguments (not
// after `--`): it sets KONTENA_GRID, which every command honours. False
// when --grid has no value.
bool takeGridOption(QStringList& args) {
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--")) break;
        QString value;
        if (args[i] == QLatin1String("--grid")) {
            if (i + 1 >= args.size()) return false;
            value = args[i + 1];
            args.remove(i, 2);
        } else if (args[i].startsWith(QLatin1String("--grid="))) {
            value = args[i].mid(7);
            args.remove(i);
        } else {
            continue;
        }
        if (value.isEmpty()) return false;
        qputenv("KONTENA_GRID", value.toUtf8());
        --i;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("kontena"));
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    if (!takeGridOption(args)) {
        kontena::cli::printErr(QStringLiteral("kontena: --grid needs a grid name\n"));
        return kontena::cli::Usage;
    }
    if (args.isEmpty() || args.first() == QStringLiteral("--help") || args.first() == QStringLiteral("-h")) {
        kontena::cli::printOut(usage());
        return args.isEmpty() ? kontena::cli::Usage : kontena::cli::Ok;
    }
    const QString name = args.takeFirst();
    for (const auto& g : kontena::cli::groups()) {
        if (g.name == name) return g.run(args);
    }
    kontena::cli::printErr(QStringLiteral("kontena: unknown command '%1'\n\n").arg(name) + usage());
    return kontena::cli::Usage;
}
