#include "protocol/handshake.h"

namespace kontena::protocol {

namespace {

QByteArray value(const HeaderList& headers, const char* name) {
    const QByteArray wanted = QByteArray(name).toLower();
    for (const auto& [k, v] : headers)
        if (k.toLower() == wanted) return v;
    return {};
}

}  // namespace

HeaderList toHeaders(const Handshake& h) {
    HeaderList out;
    out.append({header::kNodeId, h.nodeId.toUtf8()});
    out.append({header::kNodeName, h.nodeName.toUtf8()});
    out.append({header::kVersion, h.version.toUtf8()});
    out.append({header::kNodeLabels, h.labels.join(QLatin1Char(',')).toUtf8()});
    out.append({header::kConnectedAt, formatConnectedAt(h.connectedAt).toUtf8()});
    out.append({h.tokenKind == TokenKind::Grid ? header::kGridToken : header::kNodeToken, h.token.toUtf8()});
    if (h.protocolVersion > 0) out.append({header::kProtocol, QByteArray::number(h.protocolVersion)});
    return out;
}

Handshake fromHeaders(const HeaderList& headers) {
    Handshake h;
    h.nodeId = QString::fromUtf8(value(headers, header::kNodeId));
    h.nodeName = QString::fromUtf8(value(headers, header::kNodeName));
    h.version = QString::fromUtf8(value(headers, header::kVersion));
    const QString labels = QString::fromUtf8(value(headers, header::kNodeLabels));
    for (const QString& l : labels.split(QLatin1Char(','), Qt::SkipEmptyParts)) h.labels.append(l.trimmed());
    if (auto t = parseConnectedAt(QString::fromUtf8(value(headers, header::kConnectedAt)))) h.connectedAt = *t;
    const QByteArray nodeToken = value(headers, header::kNodeToken);
    if (!nodeToken.isEmpty()) {
        h.tokenKind = TokenKind::Node;
        h.token = QString::fromUtf8(nodeToken);
    } else {
        h.token = QString::fromUtf8(value(headers, header::kGridToken));
    }
    h.protocolVersion = value(headers, header::kProtocol).toInt();
    return h;
}

QString formatConnectedAt(const QDateTime& t) {
    if (!t.isValid()) return {};
    const QDateTime u = t.toUTC();
    return u.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) + QStringLiteral("000000Z");
}

namespace {

// The value of `count` digits at `text[at]`, or -1.
int digitsAt(QStringView text, qsizetype at, int count) {
    if (at + count > text.size()) return -1;
    int v = 0;
    for (int i = 0; i < count; ++i) {
        const QChar c = text[at + i];
        if (c < u'0' || c > u'9') return -1;
        v = v * 10 + (c.unicode() - u'0');
    }
    return v;
}

}  // namespace

// By hand, not QDateTime::fromString: that parses in local time, which reads
// the time zone database (a stat of /etc/localtime) on every agent handshake.
std::optional<QDateTime> parseConnectedAt(const QString& text) {
    const QStringView t = QStringView(text).trimmed();
    // "yyyy-MM-dd HH:mm:ss" then an optional ".f" (1..9 digits), then "Z".
    if (t.size() < 20 || t[4] != u'-' || t[7] != u'-' || t[10] != u' ' || t[13] != u':' || t[16] != u':' || t.back() != u'Z') return std::nullopt;
    const int year = digitsAt(t, 0, 4), month = digitsAt(t, 5, 2), day = digitsAt(t, 8, 2);
    const int hour = digitsAt(t, 11, 2), minute = digitsAt(t, 14, 2), second = digitsAt(t, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
    int ms = 0;
    const qsizetype fraction = t.size() - 1 - 19;   // characters between the seconds and the Z
    if (fraction != 0) {
        if (t[19] != u'.' || fraction < 2 || fraction > 10 || digitsAt(t, 20, int(fraction - 1)) < 0) return std::nullopt;
        for (int i = 0; i < 3; ++i) ms = ms * 10 + (i < fraction - 1 ? t[20 + i].unicode() - u'0' : 0);
    }
    const QDate date(year, month, day);
    const QTime time(hour, minute, second, ms);
    if (!date.isValid() || !time.isValid()) return std::nullopt;
    return QDateTime(date, time, Qt::UTC);
}

QList<CloseCode> allCloseCodes() {
    return {CloseCode::MissingIdentity, CloseCode::InvalidGridToken, CloseCode::InvalidNodeToken,
            CloseCode::NodeTokenBoundElsewhere, CloseCode::MissingToken, CloseCode::GridTokenForTokenNode,
            CloseCode::NodeIdTaken, CloseCode::VersionIncompatible, CloseCode::ClockSkew,
            CloseCode::PingTimeout, CloseCode::Disconnected, CloseCode::NodeRemoved,
            CloseCode::ReconnectedElsewhere};
}

QString closeReason(int code) {
    switch (CloseCode(code)) {
    case CloseCode::MissingIdentity: return QStringLiteral("missing Kontena-Node-Id or Kontena-Node-Name header");
    case CloseCode::InvalidGridToken: return QStringLiteral("invalid grid token");
    case CloseCode::InvalidNodeToken: return QStringLiteral("invalid node token");
    case CloseCode::NodeTokenBoundElsewhere: return QStringLiteral("node token already used by another node");
    case CloseCode::MissingToken: return QStringLiteral("missing grid or node token");
    case CloseCode::GridTokenForTokenNode: return QStringLiteral("grid token used for a node created with a node token");
    case CloseCode::NodeIdTaken: return QStringLiteral("node id already used by another node");
    case CloseCode::VersionIncompatible: return QStringLiteral("agent version is not compatible with the master");
    case CloseCode::ClockSkew: return QStringLiteral("agent clock is out of sync with the master");
    case CloseCode::PingTimeout: return QStringLiteral("keepalive ping timed out");
    case CloseCode::Disconnected: return QStringLiteral("node was disconnected by the master");
    case CloseCode::NodeRemoved: return QStringLiteral("node was removed from the grid");
    case CloseCode::ReconnectedElsewhere: return QStringLiteral("node reconnected on another connection");
    }
    return QStringLiteral("connection closed (code %1)").arg(code);
}

AfterClose afterClose(int code) {
    switch (CloseCode(code)) {
    case CloseCode::MissingIdentity:
    case CloseCode::InvalidGridToken:
    case CloseCode::InvalidNodeToken:
    case CloseCode::NodeTokenBoundElsewhere:
    case CloseCode::MissingToken:
    case CloseCode::GridTokenForTokenNode:
    case CloseCode::NodeIdTaken:
    case CloseCode::VersionIncompatible:
    case CloseCode::NodeRemoved:
        return AfterClose::Stop;
    case CloseCode::ClockSkew:          // the clock may be fixed by NTP meanwhile
    case CloseCode::PingTimeout:
    case CloseCode::Disconnected:
    case CloseCode::ReconnectedElsewhere:
        break;
    }
    return AfterClose::Reconnect;
}

namespace {

struct Version {
    int major = -1, minor = -1;
};

Version parseVersion(const QString& v) {
    const QStringList parts = v.trimmed().split(QLatin1Char('.'));
    Version out;
    bool ok1 = false, ok2 = false;
    if (parts.size() >= 2) {
        out.major = parts.at(0).toInt(&ok1);
        out.minor = parts.at(1).toInt(&ok2);
    }
    if (!ok1 || !ok2) return Version{};
    return out;
}

}  // namespace

bool versionCompatible(const QString& masterVersion, const QString& agentVersion) {
    const Version m = parseVersion(masterVersion);
    const Version a = parseVersion(agentVersion);
    return m.major >= 0 && a.major >= 0 && m.major == a.major && m.minor == a.minor;
}

}  // namespace kontena::protocol
