#include "agent/etcd_supervisor.h"

#include <QDir>
#include <QLoggingCategory>
#include <QPointer>

#include <algorithm>

#include "backends/etcd/etcd_client.h"
#include "backends/etcd/member.h"
#include "scheduler/ipv4.h"

Q_LOGGING_CATEGORY(lcEtcd, "kontena.agent.etcd")

namespace kontena::agentd {

namespace {

constexpr std::chrono::milliseconds kCheckTimeout{800};

std::string memberName(int number) { return "node-" + std::to_string(number); }

// What a replacement member must do before it starts (reference §1.3):
// join (state existing) when a live member answers, bootstrap otherwise.
bool joinIfClusterLives(const std::vector<std::string>& others, const std::string& name, const std::string& peerUrl) {
    if (others.empty()) return false;
    etcd::EtcdClient client(others, std::chrono::milliseconds(1500));
    auto members = client.members();
    if (!members) return false;
    for (const etcd::Member& m : members.value()) {
        const bool mine = m.name == name || std::find(m.peerUrls.begin(), m.peerUrls.end(), peerUrl) != m.peerUrls.end();
        if (!mine) continue;
        if (m.clientUrls.empty()) return true;   // added, never started: start as that member
        if (!client.removeMember(m.id)) return false;   // our old self: its data is gone
        qCInfo(lcEtcd).noquote() << "removed the old member" << QString::fromStdString(name) << "to join again";
        break;
    }
    if (auto added = client.addMember(peerUrl); !added) {
        qCWarning(lcEtcd).noquote() << "cannot join the running cluster:" << QString::fromStdString(added.error().message);
        return false;
    }
    return true;
}

}  // namespace

EtcdSupervisor::EtcdSupervisor(EtcdOptions options, QString dataDir, QObject* parent)
    : QObject(parent), options_(std::move(options)), dir_(std::move(dataDir)) {
    worker_.setMaxThreadCount(1);
    connect(&etcd_, &KeptProcess::restartDue, this, [this] { launch(false); });
    connect(&etcd_, &KeptProcess::exited, this, [this](const QString& error, int delayMs) {
        qCWarning(lcEtcd).noquote() << "etcd exited:" << error << "- starting it again in" << delayMs << "ms";
        check();
    });
    connect(&checkTimer_, &QTimer::timeout, this, &EtcdSupervisor::check);
}

EtcdSupervisor::~EtcdSupervisor() {
    stop();
    worker_.waitForDone();
}

QString EtcdSupervisor::memberAddress(int number) const {
    if (!options_.addressPattern.isEmpty()) return QString(options_.addressPattern).replace(QStringLiteral("%n"), QString::number(number));
    const auto net = parseCidr(subnet_.isEmpty() ? std::string(kDefaultGridSubnet) : subnet_.toStdString());
    const auto address = net ? nodeOverlayAddress(*net, number) : std::nullopt;
    return address ? QString::fromStdString(formatIpv4(*address)) : QString();
}

std::vector<std::string> EtcdSupervisor::endpoints() const {
    std::vector<std::string> out;
    // Our own member first: it answers fastest and needs no overlay.
    if (number_ > 0) out.push_back("http://" + memberAddress(number_).toStdString() + ":" + std::to_string(options_.clientPort));
    for (int i = 1; i <= initialSize_; ++i) {
        if (i != number_) out.push_back("http://" + memberAddress(i).toStdString() + ":" + std::to_string(options_.clientPort));
    }
    return out;
}

void EtcdSupervisor::configureAddresses(const protocol::NodeInfo& info) {
    if (info.initialSize > 0) initialSize_ = info.initialSize;
    if (!info.gridSubnet.isEmpty()) subnet_ = info.gridSubnet;
    if (info.initialMember && number_ == 0) number_ = info.nodeNumber;
}

void EtcdSupervisor::configure(const protocol::NodeInfo& info) {
    if (!info.initialMember || number_ > 0 || stopping_) {
        if (info.initialSize > 0) initialSize_ = info.initialSize;
        if (!info.gridSubnet.isEmpty()) subnet_ = info.gridSubnet;
        return;
    }
    configureAddresses(info);
    prepareAndLaunch();
}

void EtcdSupervisor::prepareAndLaunch() {
    const bool hasData = QDir(dir_ + QStringLiteral("/member")).exists();
    if (hasData) return launch(false);   // etcd ignores the initial-cluster flags then
    std::vector<std::string> others = endpoints();
    if (!others.empty()) others.erase(others.begin());
    const std::string name = memberName(number_);
    const std::string peerUrl = "http://" + memberAddress(number_).toStdString() + ":" + std::to_string(options_.peerPort);
    QPointer<EtcdSupervisor> self(this);
    worker_.start([self, others, name, peerUrl] {
        const bool join = joinIfClusterLives(others, name, peerUrl);
        QMetaObject::invokeMethod(self.data(), [self, join] { if (self) self->launch(join); }, Qt::QueuedConnection);
    });
}

void EtcdSupervisor::launch(bool joinExisting) {
    if (stopping_ || number_ <= 0) return;
    QDir().mkpath(dir_);
    etcd::MemberConfig c;
    c.name = memberName(number_);
    c.dataDir = dir_.toStdString();
    c.clientUrl = "http://" + memberAddress(number_).toStdString() + ":" + std::to_string(options_.clientPort);
    c.peerUrl = "http://" + memberAddress(number_).toStdString() + ":" + std::to_string(options_.peerPort);
    for (int i = 1; i <= std::max(initialSize_, number_); ++i)
        c.initialCluster.emplace_back(memberName(i), "http://" + memberAddress(i).toStdString() + ":" + std::to_string(options_.peerPort));
    c.joinExisting = joinExisting;
    QStringList args;
    for (const std::string& a : etcd::memberArguments(c)) args << QString::fromStdString(a);
    // etcd logs (zap, JSON) beside its data: <data dir>/etcd.log.
    etcd_.start(options_.program, args, [this](QProcess& p) {
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.setStandardOutputFile(dir_ + QStringLiteral(".log"), QIODevice::Append);
    });
    qCInfo(lcEtcd).noquote() << "etcd member" << QString::fromStdString(c.name) << "on" << QString::fromStdString(c.clientUrl)
                             << (joinExisting ? "joining the running cluster" : "");
    checkTimer_.start(options_.checkInterval);
    check();
}

void EtcdSupervisor::stop() {
    stopping_ = true;
    checkTimer_.stop();
    etcd_.stop();
}

// Reads the member on the worker: a serializable status (it serves) and a
// linearizable read (the cluster has a quorum); reports only changes.
void EtcdSupervisor::check() {
    if (checking_ || number_ <= 0) return;
    if (!running()) {
        protocol::EtcdHealth down{false, false, {}, QStringLiteral("etcd is not running")};
        if (!checked_ || down != health_) {
            checked_ = true;
            health_ = down;
            emit healthChanged(health_);
        }
        return;
    }
    checking_ = true;
    const std::string url = "http://" + memberAddress(number_).toStdString() + ":" + std::to_string(options_.clientPort);
    QPointer<EtcdSupervisor> self(this);
    worker_.start([self, url] {
        etcd::EtcdClient client({url}, kCheckTimeout);
        protocol::EtcdHealth h;
        if (auto leader = client.leader()) {
            h.member = true;
            h.leader = QString::fromStdString(leader.value());
            if (auto probe = client.get("/kontena/health/quorum")) h.quorum = true;
            else h.detail = QString::fromStdString(probe.error().message);
        } else {
            h.detail = QString::fromStdString(leader.error().message);
        }
        QMetaObject::invokeMethod(self.data(), [self, h] {
            if (!self) return;
            self->checking_ = false;
            if (self->checked_ && h.member == self->health_.member && h.quorum == self->health_.quorum && h.leader == self->health_.leader) return;
            self->checked_ = true;
            self->health_ = h;
            emit self->healthChanged(h);
        }, Qt::QueuedConnection);
    });
}

std::vector<std::string> etcdClientUrls(const EtcdOptions& options, const protocol::NodeInfo& info) {
    EtcdSupervisor s(options, QString());
    s.configureAddresses(info);
    return s.endpoints();
}

}  // namespace kontena::agentd
