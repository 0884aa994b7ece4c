#pragma once
// EventStream: the engine's events (GET /events), filtered, as signals.
//
// Resync after an interruption: the reconnect asks for events since the
// last one seen (the engine replays what it still holds; the ones already
// delivered are dropped, see ResumePoint), and, before any replayed event,
// emits resynced() with the containers that match the stream's label
// filters, so the owner can rebuild its view from a fresh snapshot.

#include "backends/docker/engine_stream.h"
#include "backends/docker/stream_parsers.h"

namespace kontena::docker {

class EventStream : public EngineStream {
    Q_OBJECT
public:
    // `filters` as the engine takes them, e.g. {"type": ["container"],
    // "label": ["io.kontena.grid.name=test"]}.
    EventStream(DockerClient client, EngineFilters filters, ReconnectPolicy policy = {},
                QObject* parent = nullptr);
    ~EventStream() override;

signals:
    void event(const kontena::docker::EngineEvent& event);
    void resynced(const QList<kontena::docker::ContainerSummary>& containers);

protected:
    QByteArray nextPath() override;
    void resetDecoder() override;
    bool consume(QByteArrayView piece) override;
    void onOpened(bool afterGap) override;
    EndDecision afterEnd(const StreamEnd& end) override;

private:
    EngineFilters filters_;
    JsonLineSplitter splitter_;
    ResumePoint resume_;        // worker thread only
};

}  // namespace kontena::docker

Q_DECLARE_METATYPE(kontena::docker::EngineEvent)
Q_DECLARE_METATYPE(kontena::docker::ContainerSummary)
