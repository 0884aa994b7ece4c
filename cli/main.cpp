// kontena: the command-line client. Dispatches `kontena <group> ...` to the
// command group that owns it (see command.h).
#include <QCoreApplication>

#include "command.h"

namespace {

QString usage() {
    QString text = QStringLiteral("Usage: kontena <command> [options]\n\nCommands:\n");
    for (const auto& g : kontena::cli::groups()) {
        text += QStringLiteral("  %1  %2\n").arg(g.name, -10).arg(g.summary);
    }
    text += QStringLiteral("\nRun `kontena <command> --help` for the options of a command.\n");
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("kontena"));
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
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
