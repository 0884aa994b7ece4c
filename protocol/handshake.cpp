#include "protocol/handshake.h"

#include <QRegularExpression>
#include <QTimeZone>

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

std::optional<QDateTime> parseConnectedAt(const QString& text) {
    static const QRegularExpression re(QStringLiteral(
        "^(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2})(?:\\.(\\d{1,9}))?Z$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch()) return std::nullopt;
    QDateTime t = QDateTime::fromString(m.captured(1) + QLatin1Char(' ') + m.captured(2),
                                        QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (!t.isValid()) return std::nullopt;
    t.setTimeZone(QTimeZone::utc());
    const QString frac = QString(m.captured(3) + QStringLiteral("000")).left(3);
    return t.addMSecs(frac.toInt());
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
