#pragma once
// ExecRunner: commands the master asks to run inside this node's
// containers (`kontena service exec`, reference 11.4). Each exec is an
// attached Docker exec (backends/docker/exec.h) whose output is read on a
// thread of its own and handed back, in order, as /container_exec/output
// frames, then one /container_exec/exit (or /container_exec/error). Input
// and terminal size come from the master while it runs.
//
// Only containers of this grid that the agent runs are reachable: the
// `owned` check runs before anything is started.

#include <QHash>
#include <QObject>

#include <functional>
#include <memory>

#include "backends/docker/client.h"
#include "protocol/messages.h"

namespace kontena::agentd {

class ExecRunner : public QObject {
    Q_OBJECT
public:
    ExecRunner(docker::DockerClient client, std::function<bool(const QString& container)> owned, QObject* parent = nullptr);
    ~ExecRunner() override;

    void start(const protocol::ExecFrame& f);
    void input(const protocol::ExecFrame& f);
    void resize(const protocol::ExecFrame& f);
    void terminate(const QString& id);
    // The master went away: nobody reads the output any more.
    void terminateAll();
    int running() const { return int(sessions_.size()); }

signals:
    // An output, exit or error frame for the master (method, frame).
    void frame(const QString& method, const kontena::protocol::ExecFrame& f);

private:
    struct Session;
    void finished(const QString& id);
    docker::DockerClient client_;
    std::function<bool(const QString&)> owned_;
    QHash<QString, std::shared_ptr<Session>> sessions_;
};

}  // namespace kontena::agentd
