#include "agent/container_streams.h"

#include <QDateTime>
#include <QPointer>
#include <QTimeZone>

#include "backends/docker/event_stream.h"
#include "backends/docker/kontena_labels.h"
#include "backends/docker/log_stream.h"

namespace kontena::agentd {

ContainerStreams::ContainerStreams(docker::DockerClient client, QString grid, AgentTimers timers, QObject* parent)
    : QObject(parent), client_(std::move(client)), grid_(std::move(grid)), timers_(std::move(timers)) {
    flushTimer_.setSingleShot(true);
    connect(&flushTimer_, &QTimer::timeout, this, &ContainerStreams::flushLogs);
    connect(&statsTimer_, &QTimer::timeout, this, &ContainerStreams::sampleStats);
    statsWorker_.setMaxThreadCount(1);
}

ContainerStreams::~ContainerStreams() {
    statsTimer_.stop();
    for (auto& [name, f] : followed_)
        if (f.logs) f.logs->stop();
    if (events_) events_->stop();
    statsWorker_.waitForDone();
}

void ContainerStreams::start() {
    const docker::EngineFilters filters{
        {QStringLiteral("type"), {QStringLiteral("container")}},
        {QStringLiteral("label"), {QLatin1String(docker::label::kGridName) + QLatin1Char('=') + grid_}}};
    events_ = std::make_unique<docker::EventStream>(client_, filters);
    connect(events_.get(), &docker::EventStream::event, this, &ContainerStreams::onEvent);
    connect(events_.get(), &docker::EventStream::resynced, this, [this] { emit resynced(); });
    events_->start();
    statsTimer_.start(timers_.statsInterval);
}

void ContainerStreams::onEvent(const docker::EngineEvent& e) {
    const QString name = e.attributes.value(QStringLiteral("name"));
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(e.timeNano / 1'000'000, QTimeZone::utc());
    emit event(protocol::ContainerEvent{e.actorId, name, e.action, at});
    if (e.action == QLatin1String("die") &&
        e.attributes.value(QLatin1String(docker::label::kContainerType)) == QLatin1String("container")) {
        emit died(e.attributes.value(QLatin1String(docker::label::kServiceId)),
                  e.attributes.value(QLatin1String(docker::label::kInstanceNumber)).toInt(), e.timeNano / 1'000'000);
    }
}

void ContainerStreams::follow(const QString& name, const QString& id) {
    auto it = followed_.find(name);
    if (it != followed_.end() && it->second.id == id && it->second.logs && it->second.logs->isActive()) return;
    if (it != followed_.end() && it->second.logs) it->second.logs->stop();
    docker::LogOptions options;
    options.sinceNano = QDateTime::currentMSecsSinceEpoch() * 1'000'000 - 5'000'000'000LL;   // what this run printed so far
    auto logs = std::make_unique<docker::LogStream>(client_, id, options);
    connect(logs.get(), &docker::LogStream::line, this,
            [this, name, id](const docker::LogLine& l) { onLine(name, id, l); });
    logs->start();
    followed_[name] = Followed{id, std::move(logs)};
}

void ContainerStreams::unfollow(const QString& name) {
    auto it = followed_.find(name);
    if (it == followed_.end()) return;
    if (it->second.logs) it->second.logs->stop();
    followed_.erase(it);
}

void ContainerStreams::onLine(const QString& name, const QString& id, const docker::LogLine& l) {
    if (queue_.size() >= protocol::kLogQueueMax) queue_.removeFirst();   // the oldest line goes first
    const QDateTime at = l.timeNano ? QDateTime::fromMSecsSinceEpoch(l.timeNano / 1'000'000, QTimeZone::utc())
                                    : QDateTime::currentDateTimeUtc();
    queue_.append(protocol::LogEntry{id, name, l.source == docker::LogSource::Stderr ? QStringLiteral("stderr") : QStringLiteral("stdout"),
                                     QString::fromUtf8(l.text), at});
    if (queue_.size() >= protocol::kLogBatchSize) flushLogs();
    else if (!flushTimer_.isActive()) flushTimer_.start(timers_.logFlushInterval);
}

void ContainerStreams::flushLogs() {
    while (!queue_.isEmpty()) {
        protocol::LogBatch batch;
        batch.entries = queue_.mid(0, protocol::kLogBatchSize);
        queue_.remove(0, batch.entries.size());
        emit logBatch(batch);
    }
}

void ContainerStreams::sampleStats() {
    QList<std::pair<QString, QString>> targets;
    for (const auto& [name, f] : followed_) targets.append({name, f.id});
    QPointer<ContainerStreams> self(this);
    auto client = client_;
    statsWorker_.start([self, client, targets]() mutable {
        for (const auto& [name, id] : targets) {
            auto s = client.containerStats(id);
            if (!s || !s.value().fromRunningContainer()) continue;
            const auto& v = s.value();
            protocol::ContainerStat st{id, name, v.cpuPercent(), v.memoryUsage, v.memoryLimit, v.rxBytes, v.txBytes,
                                       QDateTime::currentDateTimeUtc()};
            if (!self) return;
            QMetaObject::invokeMethod(self.data(), [self, st] { if (self) emit self->stat(st); }, Qt::QueuedConnection);
        }
    });
}

}  // namespace kontena::agentd
