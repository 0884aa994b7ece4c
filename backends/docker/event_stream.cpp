#include "backends/docker/event_stream.h"

namespace kontena::docker {

EventStream::EventStream(DockerClient client, EngineFilters filters, ReconnectPolicy policy, QObject* parent)
    : EngineStream(std::move(client), policy, parent), filters_(std::move(filters)) {
    qRegisterMetaType<kontena::docker::EngineEvent>();
    qRegisterMetaType<QList<kontena::docker::ContainerSummary>>();
}

EventStream::~EventStream() {
    stop();
}

QByteArray EventStream::nextPath() {
    QByteArrayList query;
    if (!filters_.isEmpty())
        query.append("filters=" + encodeFilters(filters_));
    if (resume_.lastTimeNano() > 0)
        query.append("since=" + toEngineSince(resume_.lastTimeNano()));
    return query.isEmpty() ? QByteArray("/events") : "/events?" + query.join('&');
}

void EventStream::resetDecoder() {
    splitter_ = JsonLineSplitter();
    resume_.rewind();
}

bool EventStream::consume(QByteArrayView piece) {
    splitter_.feed(piece, [this](const QJsonObject& o) {
        EngineEvent e = parseEngineEvent(o);
        if (!resume_.accept(e.timeNano))
            return;   // replayed after a reconnect: already delivered
        deliver([this, e = std::move(e)] { emit event(e); });
    });
    return true;
}

void EventStream::onOpened(bool afterGap) {
    if (!afterGap)
        return;
    EngineFilters labelsOnly;
    if (filters_.contains(QStringLiteral("label")))
        labelsOnly.insert(QStringLiteral("label"), filters_.value(QStringLiteral("label")));
    auto list = client().listContainers(labelsOnly, true);
    if (!list)
        return;   // the next interruption resyncs again
    QList<ContainerSummary> containers(list.value().begin(), list.value().end());
    deliver([this, containers = std::move(containers)] { emit resynced(containers); });
}

EngineStream::EndDecision EventStream::afterEnd(const StreamEnd& end) {
    // The events response only ends when the engine goes away.
    const QString reason = end.clean ? QStringLiteral("engine closed the events stream")
                                     : end.error.describe();
    return EndDecision{EndDecision::Reconnect, true, reason};
}

}  // namespace kontena::docker
