#pragma once
// The real programs, driven from tests: a kontena-master on loopback with a
// private data directory, the kontena CLI with a private configuration
// directory, and kontena-agent processes.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include <functional>
#include <memory>

namespace kontena::testing {

inline quint16 freeLoopbackPort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

struct CliResult {
    int exit = -1;
    QString out, err;
    QJsonValue json() const {
        const QJsonDocument d = QJsonDocument::fromJson(out.toUtf8());
        return d.isArray() ? QJsonValue(d.array()) : QJsonValue(d.object());
    }
};

class MasterProcess {
public:
    explicit MasterProcess(QString dataDir, QStringList extraArgs = {}) : dataDir_(std::move(dataDir)), extraArgs_(std::move(extraArgs)) {}
    ~MasterProcess() { kill9(); }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port_); }
    QString wsUrl() const { return QStringLiteral("ws://127.0.0.1:%1").arg(port_); }
    qint64 pid() const { return proc_ ? proc_->processId() : 0; }
    // What the master printed (all its runs), from its log file.
    QString log() const {
        QFile f(dataDir_ + QStringLiteral(".log"));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    // Starts and waits until it listens. Keeps the port across restarts.
    bool start(const QString& adminCode) {
        if (!port_) port_ = freeLoopbackPort();
        proc_ = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("INITIAL_ADMIN_CODE"), adminCode);
        proc_->setProcessEnvironment(env);
        // A file, not a pipe: nobody reads a pipe while the test sleeps, and a
        // full pipe would stop the master.
        proc_->setProcessChannelMode(QProcess::MergedChannels);
        proc_->setStandardOutputFile(dataDir_ + QStringLiteral(".log"), QIODevice::Append);
        const qint64 before = log().size();
        proc_->start(qEnvironmentVariable("KONTENA_MASTER_BIN"),
                     QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port_), QStringLiteral("--data-dir"), dataDir_} +
                         extraArgs_);
        if (!proc_->waitForStarted(5000)) return false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000) {
            QThread::msleep(50);
            if (log().mid(before).contains(QStringLiteral("listening on"))) return true;
            if (proc_->state() == QProcess::NotRunning) return false;
        }
        return false;
    }
    void kill9() {
        if (!proc_) return;
        proc_->kill();   // SIGKILL
        proc_->waitForFinished(5000);
        proc_.reset();
    }

private:
    QString dataDir_;
    QStringList extraArgs_;   // e.g. --vault-key-file FILE
    quint16 port_ = 0;
    std::unique_ptr<QProcess> proc_;
};

class Cli {
public:
    explicit Cli(QString configDir) : configDir_(std::move(configDir)) {}
    // Runs `kontena args...` with `input` on its standard input.
    CliResult run(const QStringList& args, int timeoutMs = 120000, const QByteArray& input = {}) const {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KONTENA_CONFIG_DIR"), configDir_);
        env.remove(QStringLiteral("KONTENA_GRID"));
        p.setProcessEnvironment(env);
        p.start(qEnvironmentVariable("KONTENA_CLI_BIN"), args);
        if (!input.isEmpty()) p.write(input);
        p.closeWriteChannel();
        CliResult r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            r.err = QStringLiteral("timed out: kontena ") + args.join(u' ');
            return r;
        }
        r.exit = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
    QString configDir() const { return configDir_; }

private:
    QString configDir_;
};

// A kontena-agent for one node, on its own (private) dockerd; its output
// goes to a log file, its load balancers live in "<log file>.state".
class AgentProcess {
public:
    AgentProcess(QString name, QString grid, QString dockerHost, QString logFile)
        : name_(std::move(name)), grid_(std::move(grid)), dockerHost_(std::move(dockerHost)), logFile_(std::move(logFile)) {}
    ~AgentProcess() {
        kill9();
        // Load balancers' HAProxy daemons outlive the agent, as containers do: not the test.
        const QDir lbs(stateDir() + QStringLiteral("/lb"));
        for (const QString& d : lbs.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile pid(lbs.filePath(d) + QStringLiteral("/haproxy.pid"));
            if (pid.open(QIODevice::ReadOnly)) QProcess::execute(QStringLiteral("kill"), {QString::fromLatin1(pid.readAll().trimmed())});
        }
    }
    QString stateDir() const { return logFile_ + QStringLiteral(".state"); }
    // `extraArgs`: more agent options, e.g. {"--labels", "az=a,ssd"}.
    bool start(const QString& masterWs, const QString& token, const QStringList& extraArgs = {}) {
        proc_ = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KONTENA_AGENT_STATE_DIR"), stateDir());
        proc_->setProcessEnvironment(env);
        proc_->setProcessChannelMode(QProcess::MergedChannels);
        proc_->setStandardOutputFile(logFile_, QIODevice::Append);   // never a pipe nobody reads
        const QStringList args{QStringLiteral("--master"), masterWs, QStringLiteral("--token"), token, QStringLiteral("--node-name"), name_,
                               QStringLiteral("--grid"), grid_, QStringLiteral("--docker-host"), dockerHost_,
                               QStringLiteral("--data-dir"), logFile_ + QStringLiteral(".data")};   // not /var/lib
        proc_->start(qEnvironmentVariable("KONTENA_AGENT_BIN"), args + extraArgs);
        return proc_->waitForStarted(5000);
    }
    void kill9() {
        if (!proc_) return;
        proc_->kill();
        proc_->waitForFinished(5000);
        proc_.reset();
    }
    qint64 pid() const { return proc_ ? proc_->processId() : 0; }
    // The end of its log (all of it with `tail` < 0).
    QString log(int tail = 3000) const {
        QFile f(logFile_);
        if (!f.open(QIODevice::ReadOnly)) return QString();
        const QString all = QString::fromUtf8(f.readAll());
        return tail < 0 ? all : all.right(tail);
    }

private:
    QString name_, grid_, dockerHost_, logFile_;
    std::unique_ptr<QProcess> proc_;
};

// What a CLI test holds: its directory, the master it starts there, the
// CLI it runs against that master.
struct CliFixture {
    QTemporaryDir dir_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<Cli> cli_;

    CliResult run(const QStringList& args) { return cli_->run(args); }
    QString path(const QString& name) const { return dir_.filePath(name); }
};

// The sorted `name`s of an API list (stacks, services, nodes).
inline QStringList names(const QJsonValue& list) {
    QStringList out;
    for (const auto& v : list.toArray()) out.append(v[QStringLiteral("name")].toString());
    out.sort();
    return out;
}

// Polls `probe` until it returns true or `ms` pass.
inline bool eventually(const std::function<bool()>& probe, int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (probe()) return true;
        QThread::msleep(250);
    }
    return probe();
}

// The pid of a child process of `parent` whose program is `comm` (as in
// /proc/PID/stat, e.g. "etcd" for an agent's etcd member), 0 when none.
inline qint64 childProcessPid(qint64 parent, const QString& comm) {
    for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile stat(QStringLiteral("/proc/") + pid + QStringLiteral("/stat"));
        if (!stat.open(QIODevice::ReadOnly)) continue;
        const QString text = QString::fromUtf8(stat.readAll());   // "PID (COMM) STATE PPID ..."
        const auto open = text.indexOf(u'('), close = text.lastIndexOf(u')');
        if (open < 0 || close < open) continue;
        const QStringList rest = text.mid(close + 2).split(u' ');
        if (text.mid(open + 1, close - open - 1) == comm && rest.size() > 1 && rest[1].toLongLong() == parent) return pid.toLongLong();
    }
    return 0;
}

// The one-node grid most end-to-end suites start from: logs `cli` in to a
// started `master` with `adminCode`, creates grid `grid` (initial size 1),
// starts `agent` on it and waits until the master has it online. "" when
// all went well, else what failed.
// A vault key made by the master program itself (`--generate-vault-key`),
// written to `path` (mode 0600) for `--vault-key-file`; empty on failure.
inline QString makeVaultKeyFile(const QString& path) {
    QProcess gen;
    gen.start(qEnvironmentVariable("KONTENA_MASTER_BIN"), {QStringLiteral("--generate-vault-key")});
    if (!gen.waitForFinished(20000) || gen.exitCode() != 0) return {};
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(gen.readAllStandardOutput()) <= 0) return {};
    f.close();
    return QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner) ? path : QString();
}

inline QString startOneNodeGrid(const MasterProcess& master, const Cli& cli, const QString& adminCode, const QString& grid,
                                AgentProcess& agent) {
    auto r = cli.run({QStringLiteral("master"), QStringLiteral("login"), QStringLiteral("--code"), adminCode, master.url()});
    if (r.exit != 0) return QStringLiteral("login: ") + r.err;
    r = cli.run({QStringLiteral("grid"), QStringLiteral("create"), QStringLiteral("--initial-size"), QStringLiteral("1"), grid});
    if (r.exit != 0) return QStringLiteral("grid create: ") + r.err;
    const QString token = cli.run({QStringLiteral("grid"), QStringLiteral("token")}).out.trimmed();
    if (!agent.start(master.wsUrl(), token)) return QStringLiteral("the agent did not start");
    const bool online = eventually([&] {
        const auto n = cli.run({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")}).json().toArray();
        return n.size() == 1 && n.first().toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
    }, 20000);
    return online ? QString() : QStringLiteral("the agent did not come online:\n") + agent.log();
}

}  // namespace kontena::testing
