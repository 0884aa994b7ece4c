#include "lb/haproxy_process.h"

#include <QElapsedTimer>
#include <QFile>
#include <QLocalSocket>
#include <QProcess>
#include <QThread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace kontena::lb {

namespace {

const QString kHaproxy = QStringLiteral("/usr/sbin/haproxy");

}  // namespace

Result<bool> checkConfigFile(const QString& path, const QString& haproxy) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), path});
    if (!p.waitForFinished(15000)) return Error{"haproxy -c did not finish: " + p.errorString().toStdString()};
    if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return true;
    return Error{"invalid HAProxy configuration: " + p.readAll().trimmed().toStdString()};
}

HaproxyProcess::HaproxyProcess(QString dir, QObject* parent, bool stopOnDestroy)
    : QObject(parent), dir_(std::move(dir)), stopOnDestroy_(stopOnDestroy) {}

HaproxyProcess::~HaproxyProcess() {
    if (stopOnDestroy_) stop();
}

namespace {

// Alive and not a zombie (a daemon's parent may be slow to reap it).
bool alive(qint64 pid) {
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) return true;
    const QByteArray text = stat.readAll();
    const auto close = text.lastIndexOf(')');
    return close < 0 || close + 2 >= text.size() || text.at(close + 2) != 'Z';
}

qint64 pidIn(const QString& pidFile) {
    QFile f(pidFile);
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().toLongLong() : 0;
}

}  // namespace

bool HaproxyProcess::running() const { return alive(pid_); }

qint64 HaproxyProcess::masterPid() const { return running() ? pid_ : 0; }

bool HaproxyProcess::adopt() {
    const qint64 pid = pidIn(dir_ + QStringLiteral("/haproxy.pid"));
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
    // The pid must still be our HAProxy, not a reused number.
    if (!alive(pid) || !cmdline.open(QIODevice::ReadOnly) || !cmdline.readAll().contains(QFile::encodeName(dir_))) return false;
    pid_ = pid;
    QFile live(dir_ + QStringLiteral("/haproxy.cfg"));
    if (live.open(QIODevice::ReadOnly)) current_ = live.readAll().toStdString();
    const QList<QByteArray> words = masterCommand("show proc").split('\n').value(1).simplified().split(' ');
    if (words.size() > 2 && words[1] == "master") reloads_ = words[2].toInt();
    return true;
}

Result<Applied> HaproxyProcess::apply(const std::string& config) {
    if (running() && config == current_) return Applied{false, false};
    const QString live = dir_ + QStringLiteral("/haproxy.cfg"), candidate = dir_ + QStringLiteral("/haproxy.cfg.new");
    if (!writePrivateFile(candidate, config)) return Error{"cannot write " + candidate.toStdString()};
    auto ok = checkConfigFile(candidate);
    if (!ok) return ok.error();   // the running HAProxy keeps its config
    if (std::rename(QFile::encodeName(candidate).constData(), QFile::encodeName(live).constData()) != 0) {
        return Error{"cannot replace " + live.toStdString()};
    }
    current_ = config;
    if (!running()) {
        auto started = start();
        if (!started) return started.error();
        return Applied{true, false};
    }
    ::kill(static_cast<pid_t>(pid_), SIGUSR2);   // master-worker reload
    ++reloads_;
    return Applied{true, true};
}

Result<bool> HaproxyProcess::restart() {
    if (running()) return true;
    if (current_.empty()) return Error{"no configuration to start HAProxy with"};
    return start();
}

Result<bool> HaproxyProcess::start() {
    QFile::remove(dir_ + QStringLiteral("/haproxy.pid"));   // an old run's pid is not this one's
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    // Daemon mode: the command returns once the master runs in the background.
    p.start(kHaproxy, {QStringLiteral("-W"), QStringLiteral("-D"), QStringLiteral("-S"), dir_ + QStringLiteral("/master.sock"),
                       QStringLiteral("-p"), dir_ + QStringLiteral("/haproxy.pid"), QStringLiteral("-f"), dir_ + QStringLiteral("/haproxy.cfg")});
    if (!p.waitForFinished(15000)) return Error{"haproxy did not start: " + p.errorString().toStdString()};
    const QByteArray output = p.readAll().trimmed();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) return Error{"haproxy did not start: " + output.toStdString()};
    reloads_ = 0;
    QElapsedTimer t;
    t.start();
    do {   // the pid file may come a moment after the command returned
        pid_ = pidIn(dir_ + QStringLiteral("/haproxy.pid"));
        if (running()) break;
        QThread::msleep(10);
    } while (t.elapsed() < 2000);
    if (!running()) return Error{"haproxy exited at start: " + output.toStdString()};
    return true;
}

QByteArray HaproxyProcess::masterCommand(const QByteArray& command) const {
    QLocalSocket s;
    s.connectToServer(dir_ + QStringLiteral("/master.sock"));
    if (!s.waitForConnected(1000)) return {};
    s.write(command + "\n");
    s.waitForBytesWritten(1000);
    QByteArray answer;
    // The answer comes at once; the master may keep the socket open a while
    // after it, so stop once it ends with its blank line or goes quiet.
    int wait = 1000;
    while (s.waitForReadyRead(wait)) {
        answer += s.readAll();
        if (answer.endsWith("\n\n")) break;
        wait = 50;
    }
    return answer + s.readAll();
}

bool HaproxyProcess::waitSettled(int timeoutMs, bool noOldWorkers) const {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        const QByteArray proc = masterCommand("show proc");
        // "<pid> master <reloads> ..." on the first data line; old workers listed after "# old workers".
        const QList<QByteArray> lines = proc.split('\n');
        int masterReloads = -1;
        bool oldWorkers = false, inOld = false;
        for (const QByteArray& line : lines) {
            if (line.startsWith("# old workers")) inOld = true;
            else if (line.startsWith('#')) inOld = false;
            else if (inOld && !line.trimmed().isEmpty()) oldWorkers = true;
            const QList<QByteArray> words = line.simplified().split(' ');
            if (words.size() > 2 && words[1] == "master") masterReloads = words[2].toInt();
        }
        if (masterReloads == reloads_ && (!noOldWorkers || !oldWorkers)) return true;
        QThread::msleep(20);
    }
    return false;
}

void HaproxyProcess::stop(int graceMs) {
    if (!running()) {
        pid_ = 0;
        return;
    }
    const auto waitGone = [this](int ms) {
        QElapsedTimer t;
        t.start();
        while (alive(pid_) && t.elapsed() < ms) QThread::msleep(10);
        return !alive(pid_);
    };
    ::kill(static_cast<pid_t>(pid_), SIGUSR1);   // soft stop: listeners close, connections finish
    if (!waitGone(graceMs)) {
        ::kill(static_cast<pid_t>(pid_), SIGTERM);
        if (!waitGone(2000)) ::kill(static_cast<pid_t>(pid_), SIGKILL);
        waitGone(2000);
    }
    pid_ = 0;
}

bool writePrivateFile(const QString& path, const std::string& text) {
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
    bool ok = ::fchmod(fd, 0600) == 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        ok = n > 0;
        done += ok ? std::size_t(n) : 0;
    }
    return ::close(fd) == 0 && ok;
}

}  // namespace kontena::lb
