#include "master/route.h"

#include <QDateTime>

#include <QRegularExpression>

namespace kontena::master {

using Method = QHttpServerRequest::Method;

QString methodText(Method m) {
    switch (m) {
    case Method::Get: return QStringLiteral("GET");
    case Method::Post: return QStringLiteral("POST");
    case Method::Put: return QStringLiteral("PUT");
    case Method::Delete: return QStringLiteral("DELETE");
    case Method::Patch: return QStringLiteral("PATCH");
    default: return QStringLiteral("OTHER");
    }
}

QStringList pathSegments(const QString& path) { return path.split(QLatin1Char('/'), Qt::SkipEmptyParts); }

bool matchRoute(const Route& r, Method m, const QStringList& path, QMap<QString, QString>* params) {
    if (r.method != m) return false;
    const QStringList pat = pathSegments(r.pattern);
    if (pat.size() != path.size()) return false;
    QMap<QString, QString> out;
    for (qsizetype i = 0; i < pat.size(); ++i) {
        if (pat[i].startsWith(QLatin1Char(':'))) out.insert(pat[i].mid(1), path[i]);
        else if (pat[i] != path[i]) return false;
    }
    *params = out;
    return true;
}

bool validName(const QString& n) {
    static const QRegularExpression re(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,62})$"));
    return re.match(n).hasMatch();
}

int limitOf(const Call& c, int dflt, int max) { return limitOf(c.query, dflt, max); }

int limitOf(const QUrlQuery& query, int dflt, int max) {
    bool ok = false;
    const int v = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
    return ok && v > 0 ? std::min(v, max) : dflt;
}

std::variant<LogQuery, Reply> logQueryOf(const Call& c) { return logQueryOf(c.query); }

std::variant<LogQuery, Reply> logQueryOf(const QUrlQuery& query) {
    const QUrlQuery& q_ = query;
    LogQuery q;
    q.limit = limitOf(query, 100, 10000);
    const auto bad = [](const char* name, const char* what) {
        return Reply::error(400, QStringLiteral("%1 must be %2").arg(QLatin1String(name), QLatin1String(what)));
    };
    if (q_.hasQueryItem(QStringLiteral("since"))) {
        const QDateTime at = QDateTime::fromString(q_.queryItemValue(QStringLiteral("since"), QUrl::FullyDecoded), Qt::ISODateWithMs);
        if (!at.isValid()) return bad("since", "a time (ISO 8601, e.g. 2026-12-05T10:00:00Z)");
        q.sinceMs = at.toMSecsSinceEpoch();
    }
    if (q_.hasQueryItem(QStringLiteral("instance"))) {
        bool ok = false;
        const int n = q_.queryItemValue(QStringLiteral("instance")).toInt(&ok);
        if (!ok || n < 1) return bad("instance", "an instance number (1, 2, ...)");
        q.instance = n;
    }
    if (q_.hasQueryItem(QStringLiteral("after"))) {
        bool ok = false;
        const qint64 id = q_.queryItemValue(QStringLiteral("after")).toLongLong(&ok);
        if (!ok || id < 0) return bad("after", "a line id");
        q.afterId = id;
    }
    return q;
}

}  // namespace kontena::master
