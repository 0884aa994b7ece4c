#pragma once
// ContainerStreams: what the engine says about this grid's containers,
// turned into protocol messages (reference 11.5):
//  - the events stream (filtered by the grid label): every event becomes a
//    ContainerEvent; `die` also goes to died() for crash restarts;
//  - each running container's log stream, batched by kLogBatchSize lines or
//    after the flush interval, at most kLogQueueMax lines queued;
//  - one stats sample per running container every stats interval.
// The agent sends what comes out; this class talks to Docker only.

#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <map>
#include <memory>

#include "agent/config.h"
#include "backends/docker/client.h"
#include "protocol/messages.h"

namespace kontena::docker {
class EventStream;
class LogStream;
struct EngineEvent;
struct LogLine;
}  // namespace kontena::docker

namespace kontena::agentd {

class ContainerStreams : public QObject {
    Q_OBJECT
public:
    ContainerStreams(docker::DockerClient client, QString grid, AgentTimers timers, QObject* parent = nullptr);
    ~ContainerStreams() override;

    void start();
    void follow(const QString& name, const QString& id);   // a container runs: its logs and stats
    void unfollow(const QString& name);

signals:
    void event(const kontena::protocol::ContainerEvent& event);
    void died(const QString& serviceId, int instanceNumber, qint64 atMs);
    void logBatch(const kontena::protocol::LogBatch& batch);
    void stat(const kontena::protocol::ContainerStat& stat);
    // The events stream came back after a gap: events may be lost, look again.
    void resynced();

private:
    void onEvent(const docker::EngineEvent& e);
    void onLine(const QString& name, const QString& id, const docker::LogLine& line);
    void flushLogs();
    void sampleStats();

    docker::DockerClient client_;
    QString grid_;
    AgentTimers timers_;
    std::unique_ptr<docker::EventStream> events_;
    struct Followed {
        QString id;
        std::unique_ptr<docker::LogStream> logs;
    };
    std::map<QString, Followed> followed_;
    QList<protocol::LogEntry> queue_;
    QTimer flushTimer_, statsTimer_;
    QThreadPool statsWorker_;
};

}  // namespace kontena::agentd
