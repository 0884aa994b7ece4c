#pragma once
// EngineStream: one long-lived engine response (events, follow logs,
// streamed stats) read on a worker thread and delivered as Qt signals on
// the thread that owns the stream object.
//
// Lifecycle, as the owner sees it (signals always in this order):
//
//   start() -> opened -> items... -> interrupted(reason)      the engine went away
//                                 -> resumed(gap) -> opened -> (resync) -> items...
//                                 -> finished(reason)       ended for good
//
//  - When the connection breaks (daemon restart, socket gone) the stream
//    emits interrupted() once, retries with exponential backoff
//    (ReconnectPolicy), and on success emits resumed() with the gap's
//    bounds. Each kind of stream then resyncs what it can (see subclasses):
//    items lost while the engine was down may still be missing, so owners
//    that keep state rebuild it on resumed().
//  - finished() comes once, when there is nothing left to follow (container
//    removed or stopped, a 4xx or 501 answer). No signal comes after it, nor
//    after stop() returned. Other 5xx answers are retried like a lost
//    connection.
//  - The owner's thread must run an event loop for signals to arrive.

#include <QDateTime>
#include <QObject>
#include <QString>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "backends/docker/client.h"
#include "backends/docker/http_transport.h"

namespace kontena::docker {

struct ReconnectPolicy {
    std::chrono::milliseconds initialDelay{100};
    std::chrono::milliseconds maxDelay{5000};
};

// A period without a connection to the engine.
struct StreamGap {
    QDateTime lostAt;      // UTC
    QDateTime resumedAt;   // UTC
    int attempts = 0;      // failed reconnects in between
    QString reason;        // why the connection was lost
};

class EngineStream : public QObject {
    Q_OBJECT
public:
    ~EngineStream() override;

    // Starts following; calling it twice does nothing.
    void start();
    // Stops following and joins the worker. Blocks at most briefly (the
    // socket is shut down). No signal is emitted after it returns.
    void stop();
    bool isActive() const { return worker_.joinable() && !finished_; }

signals:
    void opened();
    void interrupted(const QString& reason);
    void resumed(const kontena::docker::StreamGap& gap);
    void finished(const QString& reason);

protected:
    // What to do when a response ended; decided on the worker thread.
    struct EndDecision {
        enum Next { Reconnect, Finish } next = Reconnect;
        bool gap = true;       // false: reconnect at once, the engine is fine
        QString reason;
        bool containerStopped = false;   // set by followContainer()
    };

    EngineStream(DockerClient client, ReconnectPolicy policy, QObject* parent);

    // ---- hooks, all called on the worker thread
    // The path (below /v1.41) of the next connection, from the resume point on.
    virtual QByteArray nextPath() = 0;
    // How long a response may stay silent before it counts as broken (0: forever).
    virtual std::chrono::seconds idleTimeout() const { return std::chrono::seconds(0); }
    // A new response begins: drop any partial data of the previous one.
    virtual void resetDecoder() = 0;
    // A piece of the body; false ends this response (then afterEnd() decides).
    virtual bool consume(QByteArrayView piece) = 0;
    // The response head arrived; `afterGap`: this ends an interruption.
    virtual void onOpened(bool afterGap) { Q_UNUSED(afterGap); }
    // A response ended without an HTTP error (clean or connection lost).
    virtual EndDecision afterEnd(const StreamEnd& end) = 0;

    // The usual afterEnd() of a stream about one container, from the
    // container's state: engine unreachable is a gap; running reconnects at
    // once; stopped or removed finishes.
    EndDecision followContainer(const QString& ref, const StreamEnd& end);

    // Runs `fn` on the owner's thread, unless the stream was stopped by then.
    void deliver(std::function<void()> fn);
    DockerClient& client() { return client_; }
    // Stops the worker; subclasses' destructors call it first.
    void shutdown();

private:
    void run();
    EndDecision decide(const StreamEnd& end);
    void connectOnce(bool& inGap, StreamGap& gap, std::chrono::milliseconds& delay);
    bool waitFor(std::chrono::milliseconds delay);   // false when stopping

    DockerClient client_;
    ReconnectPolicy policy_;
    std::thread worker_;
    StreamCancel cancel_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;                  // guarded by mutex_
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
    bool finished_ = false;                  // owner thread
    bool started_ = false;
};

}  // namespace kontena::docker

Q_DECLARE_METATYPE(kontena::docker::StreamGap)
