#include "dispatch.h"

#include "command.h"

namespace kontena::cli {

namespace {

// Kontena's aliases: `list` for `ls`, `remove` for `rm`, and back; `load`
// for `import`, `dump` for `export`.
QString aliasOf(const QString& name) {
    if (name == QLatin1String("list")) return QStringLiteral("ls");
    if (name == QLatin1String("ls")) return QStringLiteral("list");
    if (name == QLatin1String("remove")) return QStringLiteral("rm");
    if (name == QLatin1String("rm")) return QStringLiteral("remove");
    if (name == QLatin1String("load")) return QStringLiteral("import");   // master config
    if (name == QLatin1String("dump")) return QStringLiteral("export");
    return {};
}

std::vector<TreeEntry>* treeOut = nullptr;
int treeDepth = 0;

}  // namespace

const QString& treeArgument() {
    static const QString arg = QStringLiteral("--kontena-command-tree");
    return arg;
}

bool collectingTree() { return treeOut != nullptr; }

std::vector<TreeEntry> commandTree(const std::function<int(const QStringList&)>& group) {
    std::vector<TreeEntry> out;
    treeOut = &out;
    treeDepth = 0;
    group({treeArgument()});
    treeOut = nullptr;
    return out;
}

int dispatchGroup(const QString& group, const QStringList& args, const std::vector<Sub>& subs) {
    if (treeOut && args == QStringList{treeArgument()}) {
        ++treeDepth;
        for (const auto& s : subs) {
            treeOut->push_back({treeDepth, s.name, s.summary});
            s.run({treeArgument()});   // a group adds its own; a command ignores it
        }
        --treeDepth;
        return Ok;
    }
    QString usage = QStringLiteral("Usage: kontena %1 <command> [options]\n\nCommands:\n").arg(group);
    for (const auto& s : subs) usage += QStringLiteral("  %1  %2\n").arg(s.name, -14).arg(s.summary);
    if (args.isEmpty() || args.first() == QLatin1String("--help") || args.first() == QLatin1String("-h")) {
        printOut(usage);
        return args.isEmpty() ? Usage : Ok;
    }
    for (const auto& s : subs) {
        if (s.name == args.first()) return s.run(args.mid(1));
    }
    const QString alias = aliasOf(args.first());
    for (const auto& s : subs) {
        if (!alias.isEmpty() && s.name == alias) return s.run(args.mid(1));
    }
    printErr(QStringLiteral("kontena %1: unknown command '%2'\n\n").arg(group, args.first()) + usage);
    return Usage;
}

}  // namespace kontena::cli
