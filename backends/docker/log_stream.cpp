#include "backends/docker/log_stream.h"

namespace kontena::docker {

LogStream::LogStream(DockerClient client, QString container, LogOptions options, ReconnectPolicy policy,
                     QObject* parent)
    : EngineStream(std::move(client), policy, parent), container_(std::move(container)),
      options_(std::move(options)) {
    qRegisterMetaType<kontena::docker::LogLine>();
}

LogStream::~LogStream() {
    stop();
}

QByteArray LogStream::nextPath() {
    QByteArray path = "/containers/" + urlPart(container_) + "/logs?timestamps=1" +
                      (draining_ ? "&follow=0" : "&follow=1") +
                      "&stdout=" + (options_.stdoutStream ? "1" : "0") +
                      "&stderr=" + (options_.stderrStream ? "1" : "0");
    if (resume_.lastTimeNano() > 0) {
        path += "&since=" + toEngineSince(resume_.lastTimeNano());
    } else {
        if (options_.sinceNano)
            path += "&since=" + toEngineSince(*options_.sinceNano);
        if (options_.tail)
            path += "&tail=" + QByteArray::number(*options_.tail);
    }
    return path;
}

void LogStream::resetDecoder() {
    decoder_ = LogFrameDecoder(true);
    resume_.rewind();
}

void LogStream::deliverLine(const LogLine& l) {
    if (!resume_.accept(l.timeNano))
        return;   // seen before the reconnect
    deliver([this, l] { emit line(l); });
}

bool LogStream::consume(QByteArrayView piece) {
    decoder_.feed(piece, [this](const LogLine& l) { deliverLine(l); });
    return true;
}

EngineStream::EndDecision LogStream::afterEnd(const StreamEnd& end) {
    if (end.clean)
        decoder_.flush([this](const LogLine& l) { deliverLine(l); });
    EndDecision decision = followContainer(container_, end);
    // The engine may end a follow before its last lines (or the response
    // broke): once stopped, read everything since the last line, then finish.
    if (decision.containerStopped && !draining_) {
        draining_ = true;
        return EndDecision{EndDecision::Reconnect, false, decision.reason};
    }
    if (decision.next == EndDecision::Reconnect)
        draining_ = false;
    return decision;
}

}  // namespace kontena::docker
