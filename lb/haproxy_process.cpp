#include "lb/haproxy_process.h"

#include <QElapsedTimer>
#include <QFile>
#include <QLocalSocket>
#include <QThread>

#include <csignal>
#include <cstdio>

namespace kontena::lb {

namespace {

const QString kHaproxy = QStringLiteral("/usr/sbin/haproxy");

bool writeFile(const QString& path, const std::string& text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           f.write(text.data(), static_cast<qint64>(text.size())) == static_cast<qint64>(text.size()) && f.flush();
}

}  // namespace

Result<bool> checkConfigFile(const QString& path, const QString& haproxy) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(haproxy, {QStringLiteral("-c"), QStringLiteral("-f"), path});
    if (!p.waitForFinished(15000)) return Error{"haproxy -c did not finish: " + p.errorString().toStdString()};
    if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return true;
    return Error{"invalid HAProxy configuration: " + p.readAll().trimmed().toStdString()};
}

HaproxyProcess::HaproxyProcess(QString dir, QObject* parent) : QObject(parent), dir_(std::move(dir)) {}

HaproxyProcess::~HaproxyProcess() { stop(); }

bool HaproxyProcess::running() const { return process_ && process_->state() == QProcess::Running; }

qint64 HaproxyProcess::masterPid() const { return running() ? process_->processId() : 0; }

Result<Applied> HaproxyProcess::apply(const std::string& config) {
    if (running() && config == current_) return Applied{false, false};
    const QString live = dir_ + QStringLiteral("/haproxy.cfg"), candidate = dir_ + QStringLiteral("/haproxy.cfg.new");
    if (!writeFile(candidate, config)) return Error{"cannot write " + candidate.toStdString()};
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
    ::kill(static_cast<pid_t>(process_->processId()), SIGUSR2);   // master-worker reload
    ++reloads_;
    return Applied{true, true};
}

Result<bool> HaproxyProcess::start() {
    process_ = std::make_unique<QProcess>();
    process_->setProcessChannelMode(QProcess::MergedChannels);
    process_->setStandardOutputFile(dir_ + QStringLiteral("/haproxy.log"), QIODevice::Append);
    process_->start(kHaproxy, {QStringLiteral("-W"), QStringLiteral("-S"), dir_ + QStringLiteral("/master.sock"),
                               QStringLiteral("-f"), dir_ + QStringLiteral("/haproxy.cfg")});
    if (!process_->waitForStarted(5000)) return Error{"haproxy did not start: " + process_->errorString().toStdString()};
    QThread::msleep(50);
    if (!running()) return Error{"haproxy exited at start (see " + dir_.toStdString() + "/haproxy.log)"};
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

void HaproxyProcess::stop() {
    if (!process_) return;
    process_->terminate();
    if (!process_->waitForFinished(5000)) {
        process_->kill();
        process_->waitForFinished(3000);
    }
    process_.reset();
}

}  // namespace kontena::lb
