#pragma once
// Commands run inside containers, as `docker exec` does (reference 6.5
// hooks, 11.4 exec): a finished command's output and exit code, a command
// in a throw-away container (pre_start hooks), and an attached session
// whose input and output flow while the command runs (`kontena service
// exec -it`).
//
// Blocking like DockerClient. An ExecSession's read() blocks on its own
// thread while write()/resize()/cancel() come from another.

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "backends/docker/client.h"

namespace kontena::docker {

struct ExecConfig {
    QStringList cmd;
    bool tty = false;
    bool attachStdin = false;
    QStringList env;   // "KEY=VALUE" added to the container's
    QString user;
};

// A finished command.
struct ExecOutput {
    int exitCode = -1;
    QByteArray out, err;   // stdout and stderr (with a tty, all in `out`)
};

// Splits Docker's multiplexed stream (8-byte header: stream, 0, 0, 0, size
// big-endian) into its stdout (1) and stderr (2) pieces as they come.
class FrameDemuxer {
public:
    void feed(QByteArrayView piece, const std::function<void(int stream, QByteArrayView data)>& onData);

private:
    QByteArray pending_;
};

// POST /containers/{ref}/exec: the new exec's id.
EngineResult<QString> createExec(DockerClient& client, const QString& ref, const ExecConfig& config);
// GET /exec/{id}/json: the exit code of a finished exec (-1 while it runs).
EngineResult<int> execExitCode(DockerClient& client, const QString& execId);
// Runs `cmd` in the running container `ref` to its end, collecting its
// output; `timeout` 0 waits forever.
EngineResult<ExecOutput> runExec(DockerClient& client, const QString& ref, const QStringList& cmd,
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
// Runs `config` (its cmd) in a new container that is removed afterwards,
// and returns what it printed and its exit code.
EngineResult<ExecOutput> runOnce(DockerClient& client, const ContainerConfig& config,
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

// An exec attached both ways: POST /exec/{id}/start with `Upgrade: tcp`,
// after which the engine's socket carries the command's input and output.
class ExecSession {
public:
    ~ExecSession();
    ExecSession(const ExecSession&) = delete;
    ExecSession& operator=(const ExecSession&) = delete;

    // Starts the exec `execId` (made with createExec) on the engine at `socketPath`.
    static EngineResult<std::unique_ptr<ExecSession>> start(const QString& socketPath, const QString& execId, bool tty);

    const QString& id() const { return id_; }
    // Output as it comes (stream 1 stdout, 2 stderr; with a tty always 1),
    // until the command ends or cancel(). Call once, from the reading thread.
    void read(const std::function<void(int stream, QByteArrayView data)>& onData);
    // Input to the command; false once the connection is gone.
    bool write(QByteArrayView data);
    // No more input (the command sees end of file).
    void closeInput();
    // Ends the session: read() returns soon after.
    void cancel();

private:
    ExecSession(int fd, QString id, bool tty, QByteArray early);
    int fd_;
    QString id_;
    bool tty_;
    QByteArray early_;   // output read together with the response head
    std::atomic<bool> cancelled_{false};
};

}  // namespace kontena::docker
