#pragma once
// Runs one HAProxy 2.6 in master-worker mode (`-W -S`) for a load balancer
// and applies rendered configurations to it: a new text is written beside
// the live file, checked with `haproxy -c`, and only then moved into place
// and loaded — the first valid config starts HAProxy, later ones reload it
// with SIGUSR2 to the master, which hands the listening sockets to the new
// worker, so no connection is refused across a reload. An invalid config
// leaves the running one untouched and says why.
//
// HAProxy runs as a daemon (`-W -D`, its master's pid in `dir`/haproxy.pid),
// not as a child of the caller: like a container it outlives the agent that
// started it, a new HaproxyProcess on the same `dir` adopts it, and the
// object may be used from any one thread at a time (no event loop needed).

#include <QObject>
#include <QString>

#include <string>

#include "scheduler/result.h"

namespace kontena::lb {

struct Applied {
    bool changed = false;   // false: the text was what runs already
    bool reloaded = false;  // true: a running HAProxy was reloaded (not started)
};

// Writes `text` to `path` with mode 0600 whatever the umask (configs hold
// the stats password and basic-auth users; certificates their keys).
bool writePrivateFile(const QString& path, const std::string& text);

// `haproxy -c -f file`: fine, or HAProxy's own words about what is wrong.
Result<bool> checkConfigFile(const QString& path, const QString& haproxy = QStringLiteral("/usr/sbin/haproxy"));

class HaproxyProcess : public QObject {
    Q_OBJECT
public:
    // `dir` holds haproxy.cfg and the candidate file (both mode 0600: they
    // hold passwords), the pid file and the master socket. `stopOnDestroy`:
    // the destructor stops HAProxy (false: it keeps running, for adopt()).
    explicit HaproxyProcess(QString dir, QObject* parent = nullptr, bool stopOnDestroy = true);
    ~HaproxyProcess() override;

    // Takes over the HAProxy a previous object started on this directory,
    // if it still runs (its live config counts as applied). True if it does.
    bool adopt();

    Result<Applied> apply(const std::string& config);
    bool running() const;
    qint64 masterPid() const;
    int reloads() const { return reloads_; }
    // Waits until the master has finished the last reload (asked over the
    // master CLI socket, `show proc`) and, with `noOldWorkers`, until every
    // old worker has finished its connections and left. False on timeout.
    bool waitSettled(int timeoutMs = 5000, bool noOldWorkers = true) const;
    // The master CLI's answer to one command ("" when it cannot be reached).
    QByteArray masterCommand(const QByteArray& command) const;
    // Soft stop (SIGUSR1: no new connections, running ones finish) for at
    // most `graceMs`, then SIGTERM, then SIGKILL.
    void stop(int graceMs = 5000);
    // Starts HAProxy again with the live config (after stop() or a crash).
    Result<bool> restart();

private:
    Result<bool> start();

    QString dir_;
    qint64 pid_ = 0;
    bool stopOnDestroy_ = true;
    std::string current_;
    int reloads_ = 0;
};

}  // namespace kontena::lb
