#pragma once
// PrivateDockerd: a Docker Engine of the test's own, so Docker tests never
// touch (or need) the machine's daemon, and several can run side by side.
//
//   <tmp>/kd-XXXXXX/            everything the daemon writes
//     data/ exec/ docker.sock docker.pid dockerd.log daemon.json rootfs/
//
// start() creates a Linux bridge of its own (kdNNNN, 10.K.0.1/24, K chosen
// free and held with a lock file), starts `dockerd` in a new session with
// --iptables=false and that bridge, and waits for /_ping. stop() removes
// every container and user network the daemon has, stops the daemon by its
// pid (SIGTERM, then SIGKILL), ends any process still running from the
// temporary directory (containerd, shims) by pid, deletes the bridge and the
// directory. Nothing is added to iptables. If the test process dies, the
// daemon gets SIGTERM (parent-death signal) and the next start() deletes the
// leftover bridge.
//
// Needs root, `dockerd` and `ip` (packages docker.io and iproute2), and for
// buildBusyboxImage() `/bin/busybox` (busybox-static) and the `docker` CLI.
// Every failure comes back as a message saying what is missing.

#include <QLockFile>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

#include "backends/docker/client.h"
#include "scheduler/result.h"

namespace kontena::testing {

// What went wrong, in words for a test failure message.
struct HarnessError {
    QString message;
};
template <typename T>
using HarnessResult = kontena::Result<T, HarnessError>;
inline HarnessError harnessError(const QString& message) { return HarnessError{message}; }
struct HarnessDone {};

class PrivateDockerd {
public:
    PrivateDockerd();
    ~PrivateDockerd();   // stop(), errors ignored
    PrivateDockerd(const PrivateDockerd&) = delete;
    PrivateDockerd& operator=(const PrivateDockerd&) = delete;

    // Runs the daemon and its bridge inside network namespace `ns` (a
    // namespace node of the test's own, tests/overlay/netns_nodes.h); the
    // socket stays a file the test reaches. Call before start().
    void setNetns(const QString& ns) { netns_ = ns; }
    QString netns() const { return netns_; }

    HarnessResult<HarnessDone> start();
    // start() in two halves, so several daemons start at once: launch()
    // returns once the process runs, ready() waits for its /_ping.
    HarnessResult<HarnessDone> launch();
    HarnessResult<HarnessDone> ready();
    // Halves of stop() for several daemons at once: emptyEngine() removes
    // every container and network (thread-safe: engine calls only);
    // terminate() sends the daemon SIGTERM without waiting; stop() then waits.
    void emptyEngine();
    void terminate();
    HarnessResult<HarnessDone> stop();
    // Stops the daemon (SIGTERM: its containers stop, no live-restore) and
    // starts it again on the same data root, socket and bridge.
    HarnessResult<HarnessDone> restartDaemon();
    // Only the stop half of restartDaemon(); startDaemon() brings it back.
    HarnessResult<HarnessDone> stopDaemon();
    // SIGKILL to dockerd alone, as a crash: containerd and the containers
    // keep running until startDaemon() (which, without live-restore, stops them).
    HarnessResult<HarnessDone> crashDaemon();
    HarnessResult<HarnessDone> startDaemon();

    // Imports a busybox-static root filesystem as `tag` with `cmd` as its
    // CMD (a JSON array); returns the image id. Another `cmd` gives another id.
    HarnessResult<QString> buildBusyboxImage(const QString& tag,
                                             const QString& cmd = QStringLiteral("[\"/bin/sh\"]"));

    bool isRunning() const { return process_ && process_->state() != QProcess::NotRunning; }
    qint64 pid() const;
    QString socketPath() const;
    QString dockerHost() const { return QStringLiteral("unix://") + socketPath(); }
    QString root() const { return dir_ ? dir_->path() : QString(); }
    QString logPath() const;
    QString bridge() const { return bridge_; }
    QString bridgeSubnet() const;          // "10.K.0.0/24"
    kontena::docker::DockerClient client() const;
    // The last lines of the daemon's log, for failure messages.
    QString logTail(int lines = 20) const;

private:
    HarnessResult<HarnessDone> makeBridge();
    QStringList ipArgs(QStringList args) const { return netns_.isEmpty() ? args : QStringList{QStringLiteral("-n"), netns_} + args; }
    QString netns_;
    void removeBridge();
    HarnessResult<HarnessDone> waitForPing();
    HarnessResult<HarnessDone> launchDaemon();   // startDaemon() without the wait
    void removeEngineObjects();
    void endLeftoverProcesses();

    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<QProcess> process_;
    std::unique_ptr<QLockFile> netLock_;
    QString bridge_;
    int subnetOctet_ = 0;   // K of 10.K.0.0/16
};

// Runs `program args` with `stdinData`; its exit code 0 or an error message with its output.
// The names of the running containers of `stack` on `dockerd`'s engine, sorted.
QStringList runningContainersOfStack(const PrivateDockerd& dockerd, const QString& stack);

HarnessResult<QString> runTool(const QString& program, const QStringList& args,
                               const QByteArray& stdinData = {}, const QStringList& extraEnv = {});

}  // namespace kontena::testing
