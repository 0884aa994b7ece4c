#pragma once
// Commands that hold a stream open (master/API.md "Streams"): exec in a
// container, and followed logs.

#include <QString>
#include <QStringList>

#include "session.h"

namespace kontena::cli {

// Runs `cmd` in container `name` on `node`: its output to ours, its exit
// code as ours. `interactive`: our standard input goes to it; `tty`: a
// terminal (ours in raw mode while it runs, when we have one).
int execIn(Call& c, const QString& node, const QString& name, const QStringList& cmd, bool interactive, bool tty);
// Prints the lines of the container_logs route `pathAndQuery` (its newest
// `limit` first) and then each new one, until interrupted.
int followLogs(Call& c, const QString& pathAndQuery);
// The options of every `logs` command: -f, -t/--tail/--lines, --since, -i/--instance.
QList<QCommandLineOption> logOptions();
// A `logs` command on the container_logs route `path` (no query): the
// newest --tail lines matching the filters, then with -f each new one.
int showLogs(Call& c, const QString& path);
// An `events` command on the event_logs route `path` (no query): --limit.
QList<QCommandLineOption> eventOptions();
int showEvents(Call& c, const QString& path);

}  // namespace kontena::cli
