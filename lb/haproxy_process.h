#pragma once
// Runs one HAProxy 2.6 in master-worker mode (`-W -S`) for a load balancer
// and applies rendered configurations to it: a new text is written beside
// the live file, checked with `haproxy -c`, and only then moved into place
// and loaded — the first valid config starts HAProxy, later ones reload it
// with SIGUSR2 to the master, which hands the listening sockets to the new
// worker, so no connection is refused across a reload. An invalid config
// leaves the running one untouched and says why.

#include <QObject>
#include <QProcess>
#include <QString>

#include <memory>

#include "scheduler/result.h"

namespace kontena::lb {

struct Applied {
    bool changed = false;   // false: the text was what runs already
    bool reloaded = false;  // true: a running HAProxy was reloaded (not started)
};

// `haproxy -c -f file`: fine, or HAProxy's own words about what is wrong.
Result<bool> checkConfigFile(const QString& path, const QString& haproxy = QStringLiteral("/usr/sbin/haproxy"));

class HaproxyProcess : public QObject {
    Q_OBJECT
public:
    // `dir` holds haproxy.cfg, the candidate file and the master socket.
    explicit HaproxyProcess(QString dir, QObject* parent = nullptr);
    ~HaproxyProcess() override;

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
    void stop();

private:
    Result<bool> start();

    QString dir_;
    std::unique_ptr<QProcess> process_;
    std::string current_;
    int reloads_ = 0;
};

}  // namespace kontena::lb
