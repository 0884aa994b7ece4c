// `kontena container ...`: one container of the current grid, named
// NODE/NAME as Kontena's container ids are.
#include "command.h"
#include "dispatch.h"
#include "session.h"
#include "streams.h"

namespace kontena::cli {
namespace {

QString opt(const char* name) { return QString::fromLatin1(name); }

int containerExec(const QStringList& args) {
    CommandSpec spec{opt("kontena container exec"), opt("Run a command in a container (NODE/NAME)."),
                     {{{opt("i"), opt("interactive")}, opt("Keep standard input open")}, {{opt("t"), opt("tty")}, opt("Allocate a terminal")}},
                     {opt("CONTAINER"), opt("CMD...")}, Needs::Grid};
    spec.minPositionals = 2;
    spec.maxPositionals = 10000;
    spec.optionsFirst = true;
    return runCommand(spec, args, [](Call& c) {
        const QStringList id = c.arg(0).split(QLatin1Char('/'));
        if (id.size() != 2 || id[0].isEmpty() || id[1].isEmpty()) return c.usage(QStringLiteral("CONTAINER is NODE/NAME (e.g. node-1/web.app-1)"));
        return execIn(c, id[0], id[1], c.args().mid(1), c.isSet("i"), c.isSet("t"));
    });
}

}  // namespace

Group containerGroup() {
    return {opt("container"), opt("Containers"), [](const QStringList& args) {
                return dispatchGroup(opt("container"), args, {{opt("exec"), opt("Run a command in a container"), containerExec}});
            }};
}

}  // namespace kontena::cli
