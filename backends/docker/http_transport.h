#pragma once
// HTTP/1.1 over the Docker Engine's unix socket, done by libcurl.
//
// Two shapes of call:
//  - request(): one request, the whole body back. Blocking and thread-safe;
//    idle curl handles (and so their kept-alive connections) are pooled.
//  - stream(): one long response (events, logs, stats) fed piece by piece to
//    a callback on the calling thread until the engine ends it, the
//    connection breaks, or StreamCancel::cancel() is called from any thread.
// Neither throws; failures come back as EngineError values.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "backends/docker/engine_error.h"

namespace kontena::docker {

struct HttpRequest {
    QByteArray method = "GET";
    QByteArray path;                   // "/v1.41/containers/json?all=1"
    QByteArray body;                   // sent when non-empty or method is POST
    QByteArray contentType = "application/json";
    QList<QByteArray> headers;         // more "Name: value" lines (never logged)
    std::chrono::milliseconds timeout{0};   // whole call; 0 = no limit
    std::chrono::seconds idleTimeout{0};    // stream(): give up after this long without data; 0 = never
};

struct HttpResponse {
    int status = 0;
    QByteArray body;
};

// Cancels a running stream() from another thread: closes its socket so the
// blocked read returns at once.
class StreamCancel {
public:
    void cancel();
    bool cancelled() const { return cancelled_.load(); }
    void reset() { cancelled_ = false; }
    // Transport internal: the socket of the stream in flight (-1: none).
    void setSocket(int fd);

private:
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    int socket_ = -1;
};

// How a stream ended.
struct StreamEnd {
    int status = 0;          // HTTP status; 0 if none arrived
    bool clean = false;      // the engine ended the response normally
    bool cancelled = false;  // StreamCancel::cancel() was called
    EngineError error;       // set when !clean && !cancelled, or status >= 400
};

struct StreamCallbacks {
    // Called once the response head arrived (status < 400 only).
    std::function<void(int status)> opened;
    // Called with each piece of a successful response body; returning false
    // ends the response early (StreamEnd::clean is then false).
    std::function<bool(QByteArrayView piece)> data;
};

class UnixSocketTransport {
public:
    explicit UnixSocketTransport(QString socketPath);
    ~UnixSocketTransport();
    UnixSocketTransport(const UnixSocketTransport&) = delete;
    UnixSocketTransport& operator=(const UnixSocketTransport&) = delete;

    const QString& socketPath() const { return socketPath_; }

    // Any HTTP status is a successful call here; the caller maps >= 400.
    EngineResult<HttpResponse> request(const HttpRequest& req);

    // Blocks until the stream ends; see StreamEnd for the outcome.
    StreamEnd stream(const HttpRequest& req, const StreamCallbacks& callbacks,
                     StreamCancel& cancel);

    // The engine socket named by DOCKER_HOST (unix://PATH), else the default
    // /var/run/docker.sock.
    static QString defaultSocketPath();

private:
    void* acquireHandle();
    void releaseHandle(void* handle);

    QString socketPath_;
    QByteArray socketPathBytes_;
    std::mutex poolMutex_;
    std::vector<void*> idleHandles_;
};

}  // namespace kontena::docker
