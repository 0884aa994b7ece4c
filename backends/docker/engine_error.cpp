#include "backends/docker/engine_error.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace kontena::docker {

EngineError engineErrorFromBody(int httpStatus, const QByteArray& body) {
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    QString message = doc.object().value(QLatin1String("message")).toString();
    if (message.isEmpty())
        message = QString::fromUtf8(body.trimmed());
    if (message.isEmpty())
        message = QStringLiteral("HTTP status ") + QString::number(httpStatus);
    return EngineError{httpStatus, message};
}

QString EngineError::describe() const {
    if (isUnreachable())
        return QStringLiteral("engine unreachable: ") + message;
    return QString::number(httpStatus) + u' ' + message;
}

}  // namespace kontena::docker
