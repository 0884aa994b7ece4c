#include "session.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QThread>

#include <unistd.h>

#include "api/service.h"
#include "api/stack.h"
#include "command.h"
#include "dispatch.h"

namespace kontena::cli {

namespace {

// Prints the usage error and returns true when the positionals do not fit.
bool wrongPositionals(const QString& command, const QCommandLineParser& p, const QStringList& positionals, int minPositionals,
                      int maxPositionals) {
    const int n = static_cast<int>(p.positionalArguments().size());
    const int min = minPositionals < 0 ? static_cast<int>(positionals.size()) : minPositionals;
    const int max = maxPositionals < 0 ? static_cast<int>(positionals.size()) : maxPositionals;
    if (n >= min && n <= max) return false;
    printErr(QStringLiteral("%1: expected %2\n").arg(command, positionals.isEmpty() ? QStringLiteral("no arguments") : positionals.join(u' ')));
    return true;
}

std::optional<Session> openSession(bool needGrid) {
    Session s;
    QString error;
    if (!s.config.load(&error)) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        return std::nullopt;
    }
    const client::MasterEntry* m = s.config.currentMaster();
    if (!m) {
        printErr(QStringLiteral("kontena: not logged in to any master: run `kontena master login --code CODE URL`\n"));
        return std::nullopt;
    }
    s.master = *m;
    s.grid = qEnvironmentVariable("KONTENA_GRID", m->grid);
    if (needGrid && s.grid.isEmpty()) {
        printErr(QStringLiteral("kontena: no grid selected: run `kontena grid use NAME` (or set KONTENA_GRID)\n"));
        return std::nullopt;
    }
    s.api = std::make_unique<client::ApiClient>(s.master.url, s.master.token);
    return s;
}

}  // namespace

void parseArgs(Parsed& out, const QString& command, const QString& description, const QStringList& args,
               const QList<QCommandLineOption>& options, const QStringList& positionals, bool listing, int minPositionals,
               int maxPositionals) {
    QCommandLineParser& p = out.p;
    p.setApplicationDescription(description);
    p.addHelpOption();
    p.addOptions(options);
    if (out.optionsFirst) p.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
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
    if (wrongPositionals(command, p, positionals, minPositionals, maxPositionals)) {
        out.exit = Usage;
        return;
    }
    const QString o = listing ? p.value(QStringLiteral("o")) : QStringLiteral("table");
    if (o != QLatin1String("table") && o != QLatin1String("json")) {
        printErr(command + QStringLiteral(": -o must be table or json\n"));
        out.exit = Usage;
    }
}

int runCommand(const CommandSpec& spec, const QStringList& args, const std::function<int(Call&)>& body) {
    if (collectingTree()) return Ok;   // `kontena --help` walks the tree: nothing runs
    Parsed a;
    a.optionsFirst = spec.optionsFirst;
    parseArgs(a, spec.command, spec.description, args, spec.options, spec.positionals, spec.listing, spec.minPositionals,
              spec.maxPositionals);
    if (a.exit >= 0) return a.exit;
    Call call(spec, a.p);
    return body(call);
}

bool Call::json() const { return spec_.listing && p_.value(QStringLiteral("o")) == QLatin1String("json"); }

Session* Call::session() {
    if (!sessionTried_) {
        sessionTried_ = true;
        if (needs != Needs::Nothing) session_ = openSession(needs == Needs::Grid);
    }
    return session_ ? &*session_ : nullptr;
}

QString Call::grid() {
    Session* s = session();
    return s ? s->grid : QString();
}

std::optional<client::ApiResult> Call::raw(const std::function<client::ApiResult(client::ApiClient&)>& send) {
    Session* s = session();
    if (!s) return std::nullopt;
    client::ApiResult r = send(*s->api);
    if (!r.ok()) {
        fail(*r.error);
        return std::nullopt;
    }
    return r;
}

bool Call::post(const QString& path) {
    return raw([&](client::ApiClient& a) { return a.post(path); }).has_value();
}

std::optional<QJsonValue> Call::getJson(const QString& path) {
    const auto r = raw([&](client::ApiClient& a) { return a.get(path); });
    if (!r) return std::nullopt;
    return r->body;
}

bool Call::sendJson(const QByteArray& verb, const QString& path, const QJsonObject& body) {
    return raw([&](client::ApiClient& a) { return verb == "PUT" ? a.put(path, body) : a.patch(path, body); }).has_value();
}

bool Call::del(const QString& path) {
    return raw([&](client::ApiClient& a) { return a.del(path); }).has_value();
}

void Call::fail(const client::ApiError& e) { apiFailure(e); }

int Call::failed() const { return Invalid; }

int Call::usage(const QString& message) const {
    printErr(spec_.command + QStringLiteral(": ") + message + QStringLiteral("\n"));
    return Usage;
}

int Call::print(const QJsonValue& json, const std::function<void()>& text) {
    if (this->json()) printJson(json);
    else text();
    return Ok;
}

int apiFailure(const client::ApiError& e) {
    printErr(QStringLiteral("kontena: ") + e.message + (e.status ? QStringLiteral(" (HTTP %1)").arg(e.status) : QString()) +
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

void printJson(const QJsonValue& v) {
    const QJsonDocument doc = v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
    printOut(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
}

namespace {

struct DeployProgress {
    QString state, error;
    bool finished = false, succeeded = false;
};

// Where a service or stack deploy is; nullopt when the poll failed.
template <class T>
std::optional<DeployProgress> progressOf(Call& c, const QString& path) {
    const auto d = c.get<T>(path);
    if (!d) return std::nullopt;
    return DeployProgress{d->state, d->error, d->finished(), d->succeeded()};
}

}  // namespace

int waitForDeploy(Call& c, const QString& path, const QString& what, bool stack) {
    const bool tty = isatty(2) != 0;
    QElapsedTimer t;
    t.start();
    QString last;
    while (t.elapsed() < 600'000) {
        const auto p = stack ? progressOf<api::StackDeploy>(c, path) : progressOf<api::Deploy>(c, path);
        if (!p) return c.failed();
        const QString line = QStringLiteral("%1: %2 (%3 s)").arg(what, p->state).arg(t.elapsed() / 1000);
        if (tty) printErr(QStringLiteral("\r") + line + QStringLiteral("   "));
        else if (p->state != last) printErr(line + QStringLiteral("\n"));
        last = p->state;
        if (p->finished) {
            if (tty) printErr(QStringLiteral("\n"));
            if (p->succeeded) return Ok;
            printErr(QStringLiteral("kontena: %1 failed: %2\n").arg(what, p->error));
            return Invalid;
        }
        QThread::msleep(500);
    }
    printErr(QStringLiteral("\nkontena: %1 did not finish in 10 minutes\n").arg(what));
    return Invalid;
}

QString ago(const std::optional<QString>& isoTime) {
    const QDateTime t = QDateTime::fromString(isoTime.value_or(QString()), Qt::ISODateWithMs);
    if (!t.isValid()) return QString();
    const qint64 s = std::max<qint64>(0, t.secsTo(QDateTime::currentDateTimeUtc()));
    if (s < 60) return QStringLiteral("%1s").arg(s);
    if (s < 3600) return QStringLiteral("%1m").arg(s / 60);
    if (s < 86400) return QStringLiteral("%1h").arg(s / 3600);
    return QStringLiteral("%1d").arg(s / 86400);
}

}  // namespace kontena::cli
