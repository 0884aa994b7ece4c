#pragma once
// The connection handshake (reference 2.1): the headers an agent sends when
// it opens its WebSocket to the master, the close codes with which the
// master refuses or ends a connection, and the version rule.

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace kontena::protocol {

namespace header {
inline constexpr char kNodeId[] = "Kontena-Node-Id";
inline constexpr char kNodeName[] = "Kontena-Node-Name";
inline constexpr char kVersion[] = "Kontena-Version";
inline constexpr char kNodeLabels[] = "Kontena-Node-Labels";   // comma separated
inline constexpr char kConnectedAt[] = "Kontena-Connected-At"; // "%F %T.%NZ", UTC
inline constexpr char kGridToken[] = "Kontena-Grid-Token";
inline constexpr char kNodeToken[] = "Kontena-Node-Token";
inline constexpr char kProtocol[] = "Kontena-Protocol";       // kProtocolVersion (ours)
}  // namespace header

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

enum class TokenKind { Grid, Node };

struct Handshake {
    QString nodeId;
    QString nodeName;
    QString version;
    QStringList labels;
    QDateTime connectedAt;     // UTC, millisecond precision on the wire
    TokenKind tokenKind = TokenKind::Grid;
    QString token;
    int protocolVersion = 0;   // 0: not sent
    bool operator==(const Handshake&) const = default;
};

HeaderList toHeaders(const Handshake& h);
// Header names are compared case-insensitively. Missing headers leave
// fields empty; the master's checks (closeCodeFor...) decide what that means.
Handshake fromHeaders(const HeaderList& headers);

// "2026-11-24 19:02:30.123456789Z" style (%F %T.%NZ); we send nanoseconds
// padded from milliseconds and accept 0..9 fraction digits.
QString formatConnectedAt(const QDateTime& t);
std::optional<QDateTime> parseConnectedAt(const QString& text);

// ---------------------------------------------------------- close codes

enum class CloseCode : int {
    MissingIdentity = 4000,      // no Kontena-Node-Id or Kontena-Node-Name
    InvalidGridToken = 4001,
    InvalidNodeToken = 4002,
    NodeTokenBoundElsewhere = 4003,
    MissingToken = 4004,
    GridTokenForTokenNode = 4005,
    NodeIdTaken = 4006,
    VersionIncompatible = 4010,
    ClockSkew = 4020,
    PingTimeout = 4030,
    Disconnected = 4031,
    NodeRemoved = 4040,
    ReconnectedElsewhere = 4041,
};

// Several masters (master/cluster_lease.h): a master that does not lead
// the grid closes with this; the reason text names the leader
// ("... leader: ws://HOST:PORT"), where the agent goes next. Outside the
// enum: an agent from before several masters reconnects on it (the
// default for unknown codes) and tries the same master again.
constexpr int kCloseNotLeader = 4050;

// Every code above, ascending.
QList<CloseCode> allCloseCodes();
// The user-facing reason of `code`; for codes outside 4000-4041 a generic text.
QString closeReason(int code);
inline QString closeReason(CloseCode code) { return closeReason(int(code)); }

// What an agent does after the master closed with `code`:
//  - Stop: retrying cannot help until an operator changes something (a
//    token, the version, the node record): log the reason and exit.
//  - Reconnect: a transient condition; reconnect with the usual backoff.
enum class AfterClose { Reconnect, Stop };
AfterClose afterClose(int code);

// ---------------------------------------------------------- versions

// Reference 2.1: the agent must satisfy "~> M.m.0" of the master's M.m.p,
// i.e. the same major and minor version (any patch, suffixes kept apart).
bool versionCompatible(const QString& masterVersion, const QString& agentVersion);

}  // namespace kontena::protocol
