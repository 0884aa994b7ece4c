#include "tests/docker/dockerd_harness.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QThread>

namespace kontena::testing {

namespace {

constexpr int kPingTimeoutMs = 30'000;
constexpr int kStopTimeoutMs = 30'000;

HarnessResult<HarnessDone> ok() {
    return HarnessDone{};
}

QString missingTool(const QString& program, const QString& package) {
    if (QStandardPaths::findExecutable(program).isEmpty() && !QFile::exists(program))
        return program + QStringLiteral(" not found: install the Debian package ") + package +
               QStringLiteral(" (scripts/install-deps.sh)");
    return {};
}

// Whether any address or route of this machine is inside 10.K.0.0/16.
bool subnetInUse(int k) {
    const QString prefix = QStringLiteral(" 10.") + QString::number(k) + u'.';
    const auto addrs = runTool(QStringLiteral("ip"), {QStringLiteral("-4"), QStringLiteral("-o"), QStringLiteral("addr")});
    const auto routes = runTool(QStringLiteral("ip"), {QStringLiteral("-4"), QStringLiteral("route")});
    const QString all = u' ' + (addrs ? addrs.value() : QString()) + u' ' +
                        QString(routes ? routes.value() : QString()).replace(u'\n', u' ');
    return all.contains(prefix) || all.contains(QStringLiteral("\n10.") + QString::number(k) + u'.');
}

// Processes whose command line mentions `root` (containerd, shims of our daemon).
QList<qint64> processesUnder(const QString& root) {
    QList<qint64> pids;
    const QByteArray needle = root.toLocal8Bit();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& e : entries) {
        bool isPid = false;
        const qint64 pid = e.toLongLong(&isPid);
        if (!isPid || pid == ::getpid())
            continue;
        QFile f(QStringLiteral("/proc/") + e + QStringLiteral("/cmdline"));
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            pids.append(pid);
    }
    return pids;
}

// Running, as opposed to gone or a zombie nobody reaped yet.
bool processAlive(qint64 pid) {
    QFile stat(QStringLiteral("/proc/") + QString::number(pid) + QStringLiteral("/stat"));
    if (pid <= 0 || !stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close > 0 && close + 2 < line.size() && line.at(close + 2) != 'Z';
}

void unmountUnder(const QString& root) {
    QFile mounts(QStringLiteral("/proc/mounts"));
    if (!mounts.open(QIODevice::ReadOnly))
        return;
    const QList<QByteArray> lines = mounts.readAll().split('\n');
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {   // innermost first
        const QList<QByteArray> fields = it->split(' ');
        if (fields.size() > 1 && fields[1].startsWith(root.toLocal8Bit()))
            ::umount2(fields[1].constData(), MNT_DETACH);
    }
}

}  // namespace

HarnessResult<QString> runTool(const QString& program, const QStringList& args, const QByteArray& stdinData,
                               const QStringList& extraEnv) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& kv : extraEnv)
        env.insert(kv.section(u'=', 0, 0), kv.section(u'=', 1));
    p.setProcessEnvironment(env);
    p.start(program, args);
    const QString what = program + u' ' + args.join(u' ');
    if (!p.waitForStarted(10'000))
        return harnessError(what + QStringLiteral(": cannot start: ") + p.errorString());
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(120'000)) {
        p.kill();
        p.waitForFinished(5'000);
        return harnessError(what + QStringLiteral(": timed out"));
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return harnessError(what + QStringLiteral(": exit ") + QString::number(p.exitCode()) + QStringLiteral(": ") +
               QString::fromLocal8Bit(p.readAllStandardError()).trimmed());
    return QString::fromLocal8Bit(p.readAllStandardOutput());
}

PrivateDockerd::PrivateDockerd() = default;

PrivateDockerd::~PrivateDockerd() {
    (void)stop();
}

qint64 PrivateDockerd::pid() const {
    return process_ ? process_->processId() : 0;
}

QString PrivateDockerd::socketPath() const {
    return root() + QStringLiteral("/docker.sock");
}

QString PrivateDockerd::logPath() const {
    return root() + QStringLiteral("/dockerd.log");
}

QString PrivateDockerd::bridgeSubnet() const {
    return QStringLiteral("10.") + QString::number(subnetOctet_) + QStringLiteral(".0.0/24");
}

kontena::docker::DockerClient PrivateDockerd::client() const {
    return kontena::docker::DockerClient(socketPath());
}

QString PrivateDockerd::logTail(int lines) const {
    QFile f(logPath());
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("(no daemon log)");
    const QList<QByteArray> all = f.readAll().trimmed().split('\n');
    QStringList tail;
    for (qsizetype i = std::max<qsizetype>(0, all.size() - lines); i < all.size(); ++i)
        tail.append(QString::fromLocal8Bit(all[i]));
    return tail.join(u'\n');
}

HarnessResult<HarnessDone> PrivateDockerd::makeBridge() {
    const int first = 100 + static_cast<int>(::getpid() % 100);
    for (int i = 0; i < 100; ++i) {
        const int k = 100 + (first - 100 + i) % 100;
        auto lock = std::make_unique<QLockFile>(QStringLiteral("/tmp/kontena-dockerd-net-") +
                                                QString::number(k) + QStringLiteral(".lock"));
        if (!lock->tryLock(0))
            continue;
        const QString name = QStringLiteral("kd") + QString::number(k);
        // Holding the lock, a kdK bridge is a leftover of a crashed test run.
        (void)runTool(QStringLiteral("ip"), ipArgs({QStringLiteral("link"), QStringLiteral("del"), name}));
        if (subnetInUse(k))
            continue;
        const QString address = QStringLiteral("10.") + QString::number(k) + QStringLiteral(".0.1/24");
        for (const QStringList& args : {QStringList{QStringLiteral("link"), QStringLiteral("add"), name,
                                                    QStringLiteral("type"), QStringLiteral("bridge")},
                                        QStringList{QStringLiteral("addr"), QStringLiteral("add"), address,
                                                    QStringLiteral("dev"), name},
                                        QStringList{QStringLiteral("link"), QStringLiteral("set"), name,
                                                    QStringLiteral("up")}}) {
            if (auto r = runTool(QStringLiteral("ip"), ipArgs(args)); !r) {
                (void)runTool(QStringLiteral("ip"), ipArgs({QStringLiteral("link"), QStringLiteral("del"), name}));
                return harnessError(QStringLiteral("cannot create the test bridge (root and iproute2 needed): ") + r.error().message);
            }
        }
        bridge_ = name;
        subnetOctet_ = k;
        netLock_ = std::move(lock);
        return ok();
    }
    return harnessError(QStringLiteral("no free 10.K.0.0/16 subnet (K in 100..199) for a test bridge"));
}

void PrivateDockerd::removeBridge() {
    if (!bridge_.isEmpty())
        (void)runTool(QStringLiteral("ip"), ipArgs({QStringLiteral("link"), QStringLiteral("del"), bridge_}));
    bridge_.clear();
    netLock_.reset();
}

HarnessResult<HarnessDone> PrivateDockerd::start() {
    if (auto l = launch(); !l)
        return l;
    return ready();
}

HarnessResult<HarnessDone> PrivateDockerd::ready() {
    if (!process_)
        return harnessError(QStringLiteral("dockerd was not launched"));
    return waitForPing();
}

HarnessResult<HarnessDone> PrivateDockerd::launch() {
    for (const auto& [program, package] : {std::pair{QStringLiteral("dockerd"), QStringLiteral("docker.io")},
                                           std::pair{QStringLiteral("ip"), QStringLiteral("iproute2")}}) {
        if (QString missing = missingTool(program, package); !missing.isEmpty())
            return harnessError(missing);
    }
    if (::geteuid() != 0)
        return harnessError(QStringLiteral("a private dockerd needs root (CI runs the Docker tests as root)"));
    dir_ = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/kd-XXXXXX"));
    if (!dir_->isValid())
        return harnessError(QStringLiteral("cannot make a temporary directory: ") + dir_->errorString());
    QFile config(root() + QStringLiteral("/daemon.json"));
    if (!config.open(QIODevice::WriteOnly) || config.write("{}\n") < 0)
        return harnessError(QStringLiteral("cannot write daemon.json"));
    config.close();
    if (auto b = makeBridge(); !b)
        return b;
    return launchDaemon();
}

HarnessResult<HarnessDone> PrivateDockerd::startDaemon() {
    if (auto l = launchDaemon(); !l)
        return l;
    return waitForPing();
}

HarnessResult<HarnessDone> PrivateDockerd::launchDaemon() {
    const QString k = QString::number(subnetOctet_);
    const QStringList args{
        QStringLiteral("--config-file"), root() + QStringLiteral("/daemon.json"),
        QStringLiteral("--data-root"), root() + QStringLiteral("/data"),
        QStringLiteral("--exec-root"), root() + QStringLiteral("/exec"),
        QStringLiteral("--host"), dockerHost(),
        QStringLiteral("--pidfile"), root() + QStringLiteral("/docker.pid"),
        QStringLiteral("--bridge"), bridge_,
        QStringLiteral("--iptables=false"), QStringLiteral("--ip-masq=false"),
        QStringLiteral("--default-address-pool"), QStringLiteral("base=10.") + k + QStringLiteral(".128.0/17,size=24")};
    process_ = std::make_unique<QProcess>();
    if (netns_.isEmpty()) {
        process_->setProgram(QStringLiteral("dockerd"));
        process_->setArguments(args);
    } else {   // only the network namespace (`ip netns exec` would remount /sys, hiding the cgroups); nsenter execs dockerd
        process_->setProgram(QStringLiteral("nsenter"));
        process_->setArguments(QStringList{QStringLiteral("--net=/var/run/netns/") + netns_, QStringLiteral("dockerd")} + args);
    }
    process_->setStandardInputFile(QProcess::nullDevice());
    process_->setStandardOutputFile(logPath(), QIODevice::Append);
    process_->setStandardErrorFile(logPath(), QIODevice::Append);
    process_->setChildProcessModifier([] {
        ::setsid();                          // its own session: no terminal signals
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test still stops its daemon
    });
    process_->start();
    if (!process_->waitForStarted(10'000))
        return harnessError(QStringLiteral("cannot start dockerd: ") + process_->errorString());
    return ok();
}

HarnessResult<HarnessDone> PrivateDockerd::waitForPing() {
    auto c = client();
    for (int waited = 0; waited < kPingTimeoutMs; waited += 100) {
        if (c.ping())
            return ok();
        if (process_->state() == QProcess::NotRunning)
            return harnessError(QStringLiteral("dockerd exited at start (code ") + QString::number(process_->exitCode()) +
                   QStringLiteral("); its log ends with:\n") + logTail());
        QThread::msleep(100);
    }
    return harnessError(QStringLiteral("dockerd did not answer /_ping within 30 s; its log ends with:\n") + logTail());
}

HarnessResult<HarnessDone> PrivateDockerd::stopDaemon() {
    if (!process_)
        return ok();
    if (process_->state() != QProcess::NotRunning) {
        ::kill(static_cast<pid_t>(process_->processId()), SIGTERM);
        if (!process_->waitForFinished(kStopTimeoutMs)) {
            ::kill(static_cast<pid_t>(process_->processId()), SIGKILL);
            process_->waitForFinished(5'000);
        }
    }
    process_.reset();
    endLeftoverProcesses();
    return ok();
}

HarnessResult<HarnessDone> PrivateDockerd::crashDaemon() {
    if (!isRunning())
        return harnessError(QStringLiteral("crashDaemon: dockerd is not running"));
    ::kill(static_cast<pid_t>(process_->processId()), SIGKILL);
    if (!process_->waitForFinished(10'000))
        return harnessError(QStringLiteral("dockerd survived SIGKILL"));
    process_.reset();
    // containerd dies with dockerd (parent-death signal), but may linger as
    // an unreaped zombie here; its pidfile would then make the next dockerd
    // wait for it forever instead of starting a new one.
    const QString pidFile = root() + QStringLiteral("/exec/containerd/containerd.pid");
    QFile f(pidFile);
    const qint64 containerd = f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().toLongLong() : 0;
    f.close();
    for (int waited = 0; processAlive(containerd) && waited < 5'000; waited += 50)
        QThread::msleep(50);
    if (!processAlive(containerd))
        QFile::remove(pidFile);
    return ok();
}

HarnessResult<HarnessDone> PrivateDockerd::restartDaemon() {
    if (auto s = stopDaemon(); !s)
        return s;
    return startDaemon();
}

void PrivateDockerd::endLeftoverProcesses() {
    if (!dir_)
        return;
    for (int round = 0; round < 20; ++round) {
        const QList<qint64> pids = processesUnder(root());
        if (pids.isEmpty())
            return;
        for (qint64 pid : pids)
            ::kill(static_cast<pid_t>(pid), round == 0 ? SIGTERM : SIGKILL);
        QThread::msleep(100);
    }
}

void PrivateDockerd::removeEngineObjects() {
    auto c = client();
    if (auto list = c.listContainers({}, true)) {
        for (const auto& container : list.value())
            (void)c.removeContainer(container.id, true, true);
    }
    if (auto nets = c.listNetworks({})) {
        const QStringList builtIn{QStringLiteral("bridge"), QStringLiteral("host"), QStringLiteral("none")};
        for (const auto& n : nets.value())
            if (!builtIn.contains(n.name))
                (void)c.removeNetwork(n.id);   // also deletes its br-... bridge
    }
}

void PrivateDockerd::emptyEngine() {
    if (isRunning())
        removeEngineObjects();
}

void PrivateDockerd::terminate() {
    if (isRunning())
        ::kill(static_cast<pid_t>(process_->processId()), SIGTERM);
}

HarnessResult<HarnessDone> PrivateDockerd::stop() {
    if (!dir_)
        return ok();
    if (isRunning())
        removeEngineObjects();
    auto stopped = stopDaemon();
    unmountUnder(root());
    removeBridge();
    dir_.reset();   // removes the directory
    return stopped;
}

HarnessResult<QString> PrivateDockerd::buildBusyboxImage(const QString& tag, const QString& cmd) {
    const QString busybox = QStringLiteral("/bin/busybox");
    if (!QFile::exists(busybox))
        return harnessError(QStringLiteral("/bin/busybox not found: install busybox-static"));
    if (QString missing = missingTool(QStringLiteral("docker"), QStringLiteral("docker.io")); !missing.isEmpty())
        return harnessError(missing);
    const QString rootfs = root() + QStringLiteral("/rootfs");
    QDir().mkpath(rootfs + QStringLiteral("/bin"));
    for (const char* d : {"tmp", "etc", "proc", "sys", "dev", "data"})
        QDir().mkpath(rootfs + u'/' + QLatin1String(d));
    if (!QFile::exists(rootfs + QStringLiteral("/bin/busybox")) &&
        !QFile::copy(busybox, rootfs + QStringLiteral("/bin/busybox")))
        return harnessError(QStringLiteral("cannot copy /bin/busybox into the root filesystem"));
    const auto applets = runTool(busybox, {QStringLiteral("--list")});
    if (!applets)
        return applets.error();
    for (const QString& applet : applets.value().split(u'\n', Qt::SkipEmptyParts))
        if (applet != QLatin1String("busybox"))
            QFile::link(QStringLiteral("busybox"), rootfs + QStringLiteral("/bin/") + applet);
    const QString tar = root() + QStringLiteral("/rootfs.tar");
    if (auto t = runTool(QStringLiteral("tar"), {QStringLiteral("-C"), rootfs, QStringLiteral("-cf"), tar,
                                                 QStringLiteral(".")}); !t)
        return t.error();
    const auto imported = runTool(QStringLiteral("docker"),
                                  {QStringLiteral("import"), QStringLiteral("-c"), QStringLiteral("CMD ") + cmd,
                                   tar, tag},
                                  {}, {QStringLiteral("DOCKER_HOST=") + dockerHost()});
    if (!imported)
        return imported.error();
    return imported.value().trimmed();
}

QStringList runningContainersOfStack(const PrivateDockerd& dockerd, const QString& stack) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DOCKER_HOST"), dockerd.dockerHost());
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("docker"), {QStringLiteral("ps"), QStringLiteral("--filter"), QStringLiteral("label=io.kontena.stack.name=") + stack,
                                       QStringLiteral("--format"), QStringLiteral("{{.Names}}")});
    p.waitForFinished(20000);
    QStringList names = QString::fromUtf8(p.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    names.sort();
    return names;
}

}  // namespace kontena::testing
