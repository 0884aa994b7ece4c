#pragma once
// KeptProcess: a helper program the agent keeps running beside itself
// (dnsmasq for the node's names, the node's etcd member). It dies with the
// agent (PR_SET_PDEATHSIG), and after an exit the owner is asked to start it
// again after a backoff: 250 ms doubling to 30 s, afresh once a run lasted
// 10 s. stop() ends it with SIGTERM, then SIGKILL after 3 s.
//
// The owner builds the arguments at every start (an etcd member joins an
// existing cluster on its second start), so a restart is a signal, not a
// replay of the last command line.

#include <QObject>
#include <QProcess>
#include <QTimer>

#include <functional>
#include <memory>

namespace kontena::agentd {

class KeptProcess : public QObject {
    Q_OBJECT
public:
    explicit KeptProcess(QObject* parent = nullptr);
    ~KeptProcess() override;

    // Starts `program`; `setup` configures its channels first (log file,
    // null device, ...). A start after stop() is allowed.
    void start(const QString& program, const QStringList& args, const std::function<void(QProcess&)>& setup = {});
    // Ends the program and cancels a pending restart; no restartDue() after it.
    void stop();

    bool running() const { return process_ && process_->state() == QProcess::Running; }
    int starts() const { return starts_; }
    qint64 pid() const { return process_ ? process_->processId() : 0; }

signals:
    // The program exited or did not start (`error`), and restartDue() follows in `delayMs`.
    void exited(const QString& error, int delayMs);
    void restartDue();

private:
    void onExited();

    std::unique_ptr<QProcess> process_;
    QTimer restartTimer_;
    int starts_ = 0;
    int failures_ = 0;   // consecutive quick exits: the backoff
    qint64 startedAtMs_ = 0;
    bool stopping_ = false;
};

// The wait before the restart after `failures` consecutive quick exits.
int keptProcessBackoffMs(int failures);

}  // namespace kontena::agentd
