#pragma once
// Errors of master/API.md: an HTTP status with {"error": message} and, for
// validation errors, {"details": {field: message}}.

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include "api/model.h"

namespace kontena::api {

// The body of every answer with status >= 400.
struct ErrorBody : Model<ErrorBody> {
    QString error;                                // human readable
    std::optional<QJsonObject> details;           // validation errors: field -> message
    static auto fields() {
        return std::tuple{field("error", &ErrorBody::error), field("details", &ErrorBody::details, Empty::Omit)};
    }
};

// A failed call as a client sees it.
struct ApiError {
    int status = 0;     // HTTP status; 0: no answer (connection refused, timeout)
    QString message;    // the master's "error", or the raw body when it has none
};

// The error of an answer with status >= 400: its "error" message, or the
// trimmed body text when the body is not an error object.
ApiError errorOf(int status, const QByteArray& body);

// The reply for a status and a message, as the master sends it.
QJsonObject errorJson(const QString& message);

}  // namespace kontena::api
