#include "backends/docker/stats_stream.h"

namespace kontena::docker {

StatsStream::StatsStream(DockerClient client, QString container, ReconnectPolicy policy, QObject* parent)
    : EngineStream(std::move(client), policy, parent), container_(std::move(container)) {
    qRegisterMetaType<kontena::docker::StatsSample>();
}

StatsStream::~StatsStream() {
    stop();
}

QByteArray StatsStream::nextPath() {
    return "/containers/" + urlPart(container_) + "/stats?stream=1";
}

void StatsStream::resetDecoder() {
    splitter_ = JsonLineSplitter();
}

bool StatsStream::consume(QByteArrayView piece) {
    bool running = true;
    splitter_.feed(piece, [&](const QJsonObject& o) {
        StatsSample s = parseStatsSample(o);
        if (!s.fromRunningContainer()) {
            running = false;   // the engine's zero sample of a stopped container
            return;
        }
        if (running)
            deliver([this, s = std::move(s)] { emit sample(s); });
    });
    return running;
}

EngineStream::EndDecision StatsStream::afterEnd(const StreamEnd& end) {
    return followContainer(container_, end);
}

}  // namespace kontena::docker
