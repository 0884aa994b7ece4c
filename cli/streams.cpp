// `kontena service exec`, `kontena container exec` and `logs -f`: streams
// over the master's WebSocket routes.
#include "streams.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QUrlQuery>

#include <cstdio>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "api/logs.h"
#include "api/paths.h"
#include "client/stream.h"
#include "command.h"

namespace kontena::cli {

namespace {

constexpr char kAgent[] = "kontena-cli/0.1.0";

QString message(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

// Our terminal in raw mode for as long as it lives (only when stdin is one).
class RawTerminal {
public:
    explicit RawTerminal(bool wanted) {
        if (!wanted || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios raw = saved_;
        cfmakeraw(&raw);
        active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    ~RawTerminal() {
        if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }

private:
    termios saved_{};
    bool active_ = false;
};

QJsonObject terminalSize() {
    winsize w{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0 || w.ws_col == 0) return {};
    return QJsonObject{{QStringLiteral("tty_size"), QJsonObject{{QStringLiteral("width"), int(w.ws_col)}, {QStringLiteral("height"), int(w.ws_row)}}}};
}

// Our standard input, as it comes, to the socket; {"eof": true} at its end.
void forwardInput(QWebSocket& ws) {
    auto* notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, &ws);
    QObject::connect(notifier, &QSocketNotifier::activated, &ws, [&ws, notifier] {
        char buf[4096];
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
            notifier->setEnabled(false);
            ws.sendTextMessage(message(QJsonObject{{QStringLiteral("eof"), true}}));
            return;
        }
        ws.sendTextMessage(message(QJsonObject{{QStringLiteral("stdin"), QString::fromUtf8(buf, n)}}));
    });
}

int refused(const client::StreamEnd& end) {
    printErr(QStringLiteral("kontena: %1\n").arg(end.reason.isEmpty() ? QStringLiteral("the stream ended (code %1)").arg(end.closeCode) : end.reason));
    return Invalid;
}

}  // namespace

int execIn(Call& c, const QString& node, const QString& name, const QStringList& cmd, bool interactive, bool tty) {
    Session* s = c.session();
    if (!s) return c.failed();
    const auto request = client::streamRequest(s->master.url, api::paths::containerExec(s->grid, node, name, interactive, tty), s->master.token,
                                               QString::fromLatin1(kAgent));
    std::optional<int> exitCode;
    QString error;
    RawTerminal raw(tty && interactive);
    const auto end = client::runStream(
        request,
        [&](QWebSocket& ws) {
            ws.sendTextMessage(message(QJsonObject{{QStringLiteral("cmd"), QJsonArray::fromStringList(cmd)}}));
            if (tty) {
                if (const QJsonObject size = terminalSize(); !size.isEmpty()) ws.sendTextMessage(message(size));
            }
            if (interactive) forwardInput(ws);
        },
        [&](const QJsonObject& o) {
            const QByteArray chunk = o.value(QStringLiteral("chunk")).toString().toUtf8();
            if (o.contains(QStringLiteral("stream"))) {
                std::FILE* to = o.value(QStringLiteral("stream")).toString() == QLatin1String("stderr") ? stderr : stdout;
                std::fwrite(chunk.constData(), 1, std::size_t(chunk.size()), to);
                std::fflush(to);
            } else if (o.contains(QStringLiteral("exit"))) {
                exitCode = o.value(QStringLiteral("exit")).toInt();
            } else if (o.contains(QStringLiteral("error"))) {
                error = o.value(QStringLiteral("error")).toString();
            }
            return true;
        });
    if (exitCode) return *exitCode;
    if (!error.isEmpty()) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        return Invalid;
    }
    return refused(end);
}

int followLogs(Call& c, const QString& pathAndQuery) {
    Session* s = c.session();
    if (!s) return c.failed();
    const auto request = client::streamRequest(s->master.url, pathAndQuery, s->master.token, QString::fromLatin1(kAgent));
    const auto end = client::runStream(request, {}, [&](const QJsonObject& o) {
        auto line = api::ContainerLogEntry::fromJson(o);
        if (!line) return true;
        if (c.json()) printOut(message(o) + QStringLiteral("\n"));
        else printOut(line.value().line() + QStringLiteral("\n"));
        std::fflush(stdout);
        return true;
    });
    return end.closeCode == 1000 ? static_cast<int>(Ok) : refused(end);
}

QList<QCommandLineOption> logOptions() {
    return {{{QStringLiteral("f"), QStringLiteral("follow")}, QStringLiteral("Keep printing new lines")},
            {{QStringLiteral("t"), QStringLiteral("tail"), QStringLiteral("lines")}, QStringLiteral("Lines"), QStringLiteral("N"), QStringLiteral("100")},
            {{QStringLiteral("since")}, QStringLiteral("Only lines written at or after TIME (ISO 8601)"), QStringLiteral("TIME")},
            {{QStringLiteral("i"), QStringLiteral("instance")}, QStringLiteral("Only the lines of instance N"), QStringLiteral("N")}};
}

int showLogs(Call& c, const QString& path) {
    bool valid = false;
    const int tail = c.value("t").toInt(&valid);
    if (!valid) return c.usage(QStringLiteral("--tail must be a number"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QString::number(tail));
    if (!c.value("since").isEmpty()) q.addQueryItem(QStringLiteral("since"), c.value("since"));
    if (!c.value("i").isEmpty()) q.addQueryItem(QStringLiteral("instance"), c.value("i"));
    const QString pathAndQuery = path + QLatin1Char('?') + q.toString(QUrl::FullyEncoded);
    // Following: the stream sends the newest `tail` lines, then each new one.
    if (c.isSet("f")) return followLogs(c, pathAndQuery);
    const auto logs = c.get<api::ContainerLog>(pathAndQuery);
    if (!logs) return c.failed();
    return c.print(api::toJsonArray(logs->logs), [&] {
        for (const auto& e : logs->logs) printOut(e.line() + QStringLiteral("\n"));
    });
}

QList<QCommandLineOption> eventOptions() {
    return {{{QStringLiteral("l"), QStringLiteral("limit")}, QStringLiteral("Events"), QStringLiteral("N"), QStringLiteral("100")}};
}

int showEvents(Call& c, const QString& path) {
    bool ok = false;
    const int limit = c.value("l").toInt(&ok);
    if (!ok || limit < 1) return c.usage(QStringLiteral("--limit must be a positive number"));
    const auto log = c.get<api::EventLog>(path + QStringLiteral("?limit=") + QString::number(limit));
    if (!log) return c.failed();
    return c.print(api::toJsonArray(log->logs), [&] {
        QList<QStringList> rows;
        for (const auto& e : log->logs) rows.append({e.createdAt.value_or(QString()), e.type, e.subject, e.msg});
        printTable({QStringLiteral("TIME"), QStringLiteral("TYPE"), QStringLiteral("SUBJECT"), QStringLiteral("MESSAGE")}, rows);
    });
}

}  // namespace kontena::cli
