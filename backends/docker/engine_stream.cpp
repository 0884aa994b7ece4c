#include "backends/docker/engine_stream.h"

#include <QMetaObject>

namespace kontena::docker {

namespace {

// Between two reconnects when the engine is fine (e.g. a container restarted).
constexpr std::chrono::milliseconds kQuickReconnect{50};

QDateTime nowUtc() {
    return QDateTime::currentDateTimeUtc();
}

}  // namespace

EngineStream::EngineStream(DockerClient client, ReconnectPolicy policy, QObject* parent)
    : QObject(parent), client_(std::move(client)), policy_(policy) {
    qRegisterMetaType<kontena::docker::StreamGap>();
}

EngineStream::~EngineStream() {
    stop();
}

void EngineStream::start() {
    if (started_)
        return;
    started_ = true;
    worker_ = std::thread([this] { run(); });
}

void EngineStream::stop() {
    *alive_ = false;
    shutdown();
}

void EngineStream::shutdown() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cancel_.cancel();
    wake_.notify_all();
    if (worker_.joinable())
        worker_.join();
}

void EngineStream::deliver(std::function<void()> fn) {
    auto alive = alive_;
    QMetaObject::invokeMethod(
        this, [alive, fn = std::move(fn)] { if (*alive) fn(); }, Qt::QueuedConnection);
}

bool EngineStream::waitFor(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

EngineStream::EndDecision EngineStream::followContainer(const QString& ref, const StreamEnd& end) {
    const auto info = client_.inspectContainer(ref);
    if (!info && info.error().isUnreachable())
        return EndDecision{EndDecision::Reconnect, true, end.clean ? info.error().describe() : end.error.describe()};
    if (!info)
        return EndDecision{EndDecision::Finish, false, info.error().describe()};
    if (info.value().state.running)
        return EndDecision{EndDecision::Reconnect, false, {}};
    return EndDecision{EndDecision::Finish, false, QStringLiteral("container is not running"), true};
}

EngineStream::EndDecision EngineStream::decide(const StreamEnd& end) {
    // A refusal (4xx; 501: e.g. a log driver that cannot be read) will not change by retrying.
    if ((end.status >= 400 && end.status < 500) || end.status == 501)
        return EndDecision{EndDecision::Finish, false, end.error.describe()};
    // Other engine failures: retry, but with backoff.
    if (end.status >= 500)
        return EndDecision{EndDecision::Reconnect, true, end.error.describe()};
    return afterEnd(end);
}

void EngineStream::run() {
    bool inGap = false;
    StreamGap gap;
    auto delay = policy_.initialDelay;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                return;
        }
        resetDecoder();
        StreamCallbacks callbacks;
        callbacks.opened = [&](int) {
            const bool afterGap = inGap;
            if (afterGap) {
                gap.resumedAt = nowUtc();
                deliver([this, gap] { emit resumed(gap); });
                inGap = false;
            }
            delay = policy_.initialDelay;
            deliver([this] { emit opened(); });
            onOpened(afterGap);
        };
        callbacks.data = [this](QByteArrayView piece) { return consume(piece); };
        const StreamEnd end = client_.stream(nextPath(), callbacks, cancel_, idleTimeout());
        if (end.cancelled)
            return;
        const EndDecision decision = decide(end);
        if (decision.next == EndDecision::Finish) {
            deliver([this, reason = decision.reason] {
                finished_ = true;
                emit finished(reason);
            });
            return;
        }
        if (!decision.gap) {
            if (!waitFor(kQuickReconnect))
                return;
            continue;
        }
        if (!inGap) {
            inGap = true;
            gap = StreamGap{nowUtc(), {}, 0, decision.reason};
            deliver([this, reason = decision.reason] { emit interrupted(reason); });
        } else {
            ++gap.attempts;
        }
        if (!waitFor(delay))
            return;
        delay = std::min(delay * 2, policy_.maxDelay);
    }
}

}  // namespace kontena::docker
