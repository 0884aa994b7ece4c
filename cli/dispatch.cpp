#include "dispatch.h"

#include "command.h"

namespace kontena::cli {

int dispatchGroup(const QString& group, const QStringList& args, const std::vector<Sub>& subs) {
    QString usage = QStringLiteral("Usage: kontena %1 <command> [options]\n\nCommands:\n").arg(group);
    for (const auto& s : subs) usage += QStringLiteral("  %1  %2\n").arg(s.name, -14).arg(s.summary);
    if (args.isEmpty() || args.first() == QLatin1String("--help") || args.first() == QLatin1String("-h")) {
        printOut(usage);
        return args.isEmpty() ? Usage : Ok;
    }
    for (const auto& s : subs) {
        if (s.name == args.first()) return s.run(args.mid(1));
    }
    printErr(QStringLiteral("kontena %1: unknown command '%2'\n\n").arg(group, args.first()) + usage);
    return Usage;
}

}  // namespace kontena::cli
