#pragma once
// StatsStream: one container's resource samples as the engine produces
// them (GET /containers/{id}/stats?stream=1, about one a second).
//
// Resync: samples are absolute counters, so a reconnect simply continues;
// the gap tells the owner which period has no samples. The stream finishes
// when the container stopped (the engine then sends zero samples, which are
// not delivered) or was removed.

#include "backends/docker/engine_stream.h"
#include "backends/docker/stream_parsers.h"

namespace kontena::docker {

class StatsStream : public EngineStream {
    Q_OBJECT
public:
    StatsStream(DockerClient client, QString container, ReconnectPolicy policy = {},
                QObject* parent = nullptr);
    ~StatsStream() override;

signals:
    void sample(const kontena::docker::StatsSample& sample);

protected:
    QByteArray nextPath() override;
    // The engine keeps a stopped container's stats response open but silent.
    std::chrono::seconds idleTimeout() const override { return std::chrono::seconds(5); }
    void resetDecoder() override;
    bool consume(QByteArrayView piece) override;
    EndDecision afterEnd(const StreamEnd& end) override;

private:
    QString container_;
    JsonLineSplitter splitter_;
};

}  // namespace kontena::docker

Q_DECLARE_METATYPE(kontena::docker::StatsSample)
