#pragma once
// The frames of the master <-> agent protocol (reference 11.4): msgpack-RPC
// in shape, JSON in encoding (see README.md for why).
//
//   request       [0, msgid, method, params]
//   response      [1, msgid, error, result]    error null on success
//   notification  [2, method, params]
//
// Methods are "/<handler>/<action>". An unknown handler is answered with
// the error {code: 501, error: "service not implemented"}.

#include <QByteArray>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace kontena::protocol {

// The protocol's own version, sent in the Kontena-Protocol header. A peer
// speaking another version is refused (close code 4010).
inline constexpr int kProtocolVersion = 1;

enum class FrameKind { Request = 0, Response = 1, Notification = 2 };

struct RpcError {
    int code = 0;
    QString message;
    bool operator==(const RpcError&) const = default;
};

struct Frame {
    FrameKind kind = FrameKind::Notification;
    qint64 id = 0;              // request and response
    QString method;             // request and notification
    QJsonValue params;          // request and notification (usually an array)
    std::optional<RpcError> error;   // response
    QJsonValue result;          // response
    bool operator==(const Frame&) const = default;

    static Frame request(qint64 id, const QString& method, const QJsonValue& params);
    static Frame notification(const QString& method, const QJsonValue& params);
    static Frame response(qint64 id, const QJsonValue& result);
    static Frame failure(qint64 id, const RpcError& error);
};

// One text frame of JSON, compact.
QByteArray encode(const Frame& frame);
// The frame in `text`, or nullopt (and `why`) when it is not one.
std::optional<Frame> decode(const QByteArray& text, QString* why = nullptr);

// The answer to a request for a handler nobody implements.
RpcError notImplemented();
// The handler part of a method: "/nodes/update" -> "nodes".
QString handlerOf(const QString& method);

}  // namespace kontena::protocol
