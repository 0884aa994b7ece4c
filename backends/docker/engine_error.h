#pragma once
// Errors of the Docker Engine backend are values, never exceptions.
//
// An EngineError carries the HTTP status the engine answered with (404 "No
// such container", 409 conflict, 500 ...) and the engine's own message, or
// status 0 when no HTTP answer arrived at all (socket missing, daemon down,
// connection reset): callers retry those, and show the others.

#include <QByteArray>
#include <QString>

#include "scheduler/result.h"

namespace kontena::docker {

struct EngineError {
    int httpStatus = 0;   // 0: the engine could not be reached
    QString message;      // the engine's "message", or the transport's reason

    bool isUnreachable() const { return httpStatus == 0; }
    bool isNotFound() const { return httpStatus == 404; }
    bool isConflict() const { return httpStatus == 409; }
    // "404 No such container: x" / "engine unreachable: Couldn't connect..."
    QString describe() const;
};

// The error for an HTTP answer >= 400: the engine's JSON {"message": ...},
// else the raw body, else "HTTP status N".
EngineError engineErrorFromBody(int httpStatus, const QByteArray& body);

// The value of a call that returns nothing but success.
struct Done {};

template <typename T>
using EngineResult = kontena::Result<T, EngineError>;
using EngineStatus = kontena::Result<Done, EngineError>;

}  // namespace kontena::docker
