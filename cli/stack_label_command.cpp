// `kontena stack label add|remove|ls`: a stack's labels (Kontena 1.x), read
// from the stack and written back whole with PATCH /v1/stacks/:grid/:name.
#include <QJsonArray>

#include "api/paths.h"
#include "api/stack.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

QString opt(const char* name) { return QString::fromLatin1(name); }

// add: the stack's labels then the new ones, each once; remove: without the given ones
// (a label the stack does not have is no error, as in Kontena).
int stackLabel(const QStringList& args, bool add) {
    return runCommand({QStringLiteral("kontena stack label ") + (add ? opt("add") : opt("remove")),
                       add ? opt("Add labels (key=value) to a stack.") : opt("Remove labels from a stack."), {},
                       {opt("NAME"), opt("LABEL...")}, Needs::Grid, false, 2, 100},
                      args, [add](Call& c) {
                          QStringList pos = c.args();
                          const QString path = api::paths::stack(c.grid(), pos.takeFirst());
                          const auto stack = c.get<api::Stack>(path);
                          if (!stack) return c.failed();
                          api::StackPatch patch;
                          patch.labels = stack->labels;
                          for (const QString& l : pos) {
                              if (add && !patch.labels->contains(l)) patch.labels->append(l);
                              if (!add) patch.labels->removeAll(l);
                          }
                          return c.patch<api::Stack>(path, patch) ? static_cast<int>(Ok) : c.failed();
                      });
}

// ls: one label a line (Kontena), or a JSON list.
int stackLabelList(const QStringList& args) {
    return runCommand({opt("kontena stack label ls"), opt("List a stack's labels."), {}, {opt("NAME")}, Needs::Grid, true}, args, [](Call& c) {
        const auto stack = c.get<api::Stack>(api::paths::stack(c.grid(), c.arg(0)));
        if (!stack) return c.failed();
        return c.print(QJsonArray::fromStringList(stack->labels), [&] {
            for (const QString& l : stack->labels) printOut(l + u'\n');
        });
    });
}

}  // namespace

Sub stackLabelSub() {
    return {opt("label"), opt("Stack labels: ls, add, remove"), [](const QStringList& l) {
                return dispatchGroup(opt("stack label"), l,
                                     {{opt("ls"), opt("List labels"), stackLabelList},
                                      {opt("add"), opt("Add labels"), [](const QStringList& x) { return stackLabel(x, true); }},
                                      {opt("remove"), opt("Remove labels"), [](const QStringList& x) { return stackLabel(x, false); }}});
            }};
}

}  // namespace kontena::cli
