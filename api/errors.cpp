#include "api/errors.h"

#include <QJsonDocument>

namespace kontena::api {

ApiError errorOf(int status, const QByteArray& body) {
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    QString message;
    if (doc.isObject()) {
        if (auto e = ErrorBody::fromJson(doc.object())) message = e.value().error;
    }
    if (message.isEmpty()) message = QString::fromUtf8(body).trimmed();
    return ApiError{status, message};
}

QJsonObject errorJson(const QString& message) {
    ErrorBody b;
    b.error = message;
    return b.toJson();
}

}  // namespace kontena::api
