#include "protocol/rpc.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kontena::protocol {

Frame Frame::request(qint64 id, const QString& method, const QJsonValue& params) {
    Frame f;
    f.kind = FrameKind::Request;
    f.id = id;
    f.method = method;
    f.params = params;
    return f;
}

Frame Frame::notification(const QString& method, const QJsonValue& params) {
    Frame f;
    f.kind = FrameKind::Notification;
    f.method = method;
    f.params = params;
    return f;
}

Frame Frame::response(qint64 id, const QJsonValue& result) {
    Frame f;
    f.kind = FrameKind::Response;
    f.id = id;
    f.result = result;
    return f;
}

Frame Frame::failure(qint64 id, const RpcError& error) {
    Frame f = response(id, QJsonValue());
    f.error = error;
    return f;
}

QByteArray encode(const Frame& f) {
    QJsonArray a;
    a.append(int(f.kind));
    switch (f.kind) {
    case FrameKind::Request:
        a.append(f.id);
        a.append(f.method);
        a.append(f.params);
        break;
    case FrameKind::Response:
        a.append(f.id);
        if (f.error) a.append(QJsonObject{{QStringLiteral("code"), f.error->code}, {QStringLiteral("error"), f.error->message}});
        else a.append(QJsonValue());
        a.append(f.result);
        break;
    case FrameKind::Notification:
        a.append(f.method);
        a.append(f.params);
        break;
    }
    return QJsonDocument(a).toJson(QJsonDocument::Compact);
}

namespace {

std::optional<Frame> bad(QString* why, const QString& text) {
    if (why) *why = text;
    return std::nullopt;
}

}  // namespace

std::optional<Frame> decode(const QByteArray& text, QString* why) {
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
    if (err.error != QJsonParseError::NoError) return bad(why, QStringLiteral("not JSON: ") + err.errorString());
    if (!doc.isArray()) return bad(why, QStringLiteral("a frame is a JSON array"));
    const QJsonArray a = doc.array();
    if (a.isEmpty() || !a.at(0).isDouble()) return bad(why, QStringLiteral("a frame starts with its kind"));
    Frame f;
    const int kind = a.at(0).toInt(-1);
    if (kind == 0 || kind == 1) {
        if (a.size() != 4 || !a.at(1).isDouble()) return bad(why, QStringLiteral("a request or response has 4 elements and a numeric id"));
        f.id = qint64(a.at(1).toDouble());
    }
    switch (kind) {
    case 0:
        if (!a.at(2).isString()) return bad(why, QStringLiteral("a request names its method"));
        f.kind = FrameKind::Request;
        f.method = a.at(2).toString();
        f.params = a.at(3);
        return f;
    case 1:
        f.kind = FrameKind::Response;
        if (!a.at(2).isNull()) {
            const QJsonObject e = a.at(2).toObject();
            f.error = RpcError{e.value(QStringLiteral("code")).toInt(500), e.value(QStringLiteral("error")).toString()};
        }
        f.result = a.at(3);
        return f;
    case 2:
        if (a.size() != 3 || !a.at(1).isString()) return bad(why, QStringLiteral("a notification has 3 elements and a method"));
        f.kind = FrameKind::Notification;
        f.method = a.at(1).toString();
        f.params = a.at(2);
        return f;
    default: break;
    }
    return bad(why, QStringLiteral("unknown frame kind %1").arg(kind));
}

RpcError notImplemented() { return RpcError{501, QStringLiteral("service not implemented")}; }

QString handlerOf(const QString& method) {
    const QStringList parts = method.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    return parts.isEmpty() ? QString() : parts.first();
}

}  // namespace kontena::protocol
