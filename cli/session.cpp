#include "session.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QThread>

#include <unistd.h>

#include "command.h"

namespace kontena::cli {

void parseArgs(Parsed& out, const QString& command, const QString& description, const QStringList& args,
               const QList<QCommandLineOption>& options, const QStringList& positionals, bool listing, int minPositionals,
               int maxPositionals) {
    QCommandLineParser& p = out.p;
    p.setApplicationDescription(description);
    p.addHelpOption();
    p.addOptions(options);
    if (listing) p.addOption({{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Output format: table (default) or json"), QStringLiteral("FORMAT"), QStringLiteral("table")});
    for (const QString& name : positionals) p.addPositionalArgument(name, name);
    if (!p.parse(QStringList{command} + args)) {
        printErr(command + QStringLiteral(": ") + p.errorText() + QStringLiteral("\n"));
        out.exit = Usage;
        return;
    }
    if (p.isSet(QStringLiteral("help"))) {
        printOut(p.helpText());
        out.exit = Ok;
        return;
    }
    const int n = static_cast<int>(p.positionalArguments().size());
    const int min = minPositionals < 0 ? static_cast<int>(positionals.size()) : minPositionals;
    const int max = maxPositionals < 0 ? static_cast<int>(positionals.size()) : maxPositionals;
    if (n < min || n > max) {
        printErr(QStringLiteral("%1: expected %2\n").arg(command, positionals.isEmpty() ? QStringLiteral("no arguments") : positionals.join(u' ')));
        out.exit = Usage;
        return;
    }
    if (listing) {
        const QString o = p.value(QStringLiteral("o"));
        if (o != QLatin1String("table") && o != QLatin1String("json")) {
            printErr(command + QStringLiteral(": -o must be table or json\n"));
            out.exit = Usage;
        }
    }
}

std::optional<Session> openSession(bool needGrid, int* exit) {
    Session s;
    QString error;
    if (!s.config.load(&error)) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        *exit = Invalid;
        return std::nullopt;
    }
    const client::MasterEntry* m = s.config.currentMaster();
    if (!m) {
        printErr(QStringLiteral("kontena: not logged in to any master: run `kontena master login --code CODE URL`\n"));
        *exit = Invalid;
        return std::nullopt;
    }
    s.master = *m;
    s.grid = qEnvironmentVariable("KONTENA_GRID", m->grid);
    if (needGrid && s.grid.isEmpty()) {
        printErr(QStringLiteral("kontena: no grid selected: run `kontena grid use NAME` (or set KONTENA_GRID)\n"));
        *exit = Invalid;
        return std::nullopt;
    }
    s.api = std::make_unique<client::ApiClient>(s.master.url, s.master.token);
    return s;
}

int apiFailure(const client::ApiResult& r) {
    printErr(QStringLiteral("kontena: ") + r.error->message + (r.error->status ? QStringLiteral(" (HTTP %1)").arg(r.error->status) : QString()) +
             QStringLiteral("\n"));
    return Invalid;
}

void printTable(const QStringList& header, const QList<QStringList>& rows) {
    QList<int> widths;
    for (const QString& h : header) widths.append(static_cast<int>(h.size()));
    for (const auto& r : rows) {
        for (qsizetype i = 0; i < r.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], static_cast<int>(r[i].size()));
    }
    auto line = [&](const QStringList& cells) {
        QString out;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            out += i + 1 < cells.size() ? cells[i].leftJustified(widths[i] + 3) : cells[i];
        }
        printOut(out + QStringLiteral("\n"));
    };
    line(header);
    for (const auto& r : rows) line(r);
}

bool wantsJson(const QCommandLineParser& p) { return p.isSet(QStringLiteral("o")) && p.value(QStringLiteral("o")) == QLatin1String("json"); }

void printJson(const QJsonValue& v) {
    const QJsonDocument doc = v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
    printOut(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
}

int waitForDeploy(Session& s, const QString& path, const QString& what) {
    const bool tty = isatty(2) != 0;
    QElapsedTimer t;
    t.start();
    QString last;
    while (t.elapsed() < 600'000) {
        const auto r = s.api->get(path);
        if (!r.ok()) return apiFailure(r);
        const QString state = r.object().value(QStringLiteral("state")).toString();
        const QString line = QStringLiteral("%1: %2 (%3 s)").arg(what, state).arg(t.elapsed() / 1000);
        if (tty) printErr(QStringLiteral("\r") + line + QStringLiteral("   "));
        else if (state != last) printErr(line + QStringLiteral("\n"));
        last = state;
        if (state == QLatin1String("success")) {
            if (tty) printErr(QStringLiteral("\n"));
            return Ok;
        }
        if (state == QLatin1String("error")) {
            if (tty) printErr(QStringLiteral("\n"));
            printErr(QStringLiteral("kontena: %1 failed: %2\n").arg(what, r.object().value(QStringLiteral("error")).toString()));
            return Invalid;
        }
        QThread::msleep(500);
    }
    printErr(QStringLiteral("\nkontena: %1 did not finish in 10 minutes\n").arg(what));
    return Invalid;
}

QString ago(const QString& isoTime) {
    const QDateTime t = QDateTime::fromString(isoTime, Qt::ISODateWithMs);
    if (!t.isValid()) return QString();
    const qint64 s = std::max<qint64>(0, t.secsTo(QDateTime::currentDateTimeUtc()));
    if (s < 60) return QStringLiteral("%1s").arg(s);
    if (s < 3600) return QStringLiteral("%1m").arg(s / 60);
    if (s < 86400) return QStringLiteral("%1h").arg(s / 3600);
    return QStringLiteral("%1d").arg(s / 86400);
}

}  // namespace kontena::cli
