#pragma once
// EtcdCluster: a real etcd cluster of the test's own (Debian's etcd-server),
// N members on free loopback ports, each in its own temporary data dir,
// started with the same command line the agent uses (etcd::memberArguments).
// Members can be stopped (SIGKILL, as a dead node) and started again.

#include <QProcess>
#include <QStringList>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "backends/etcd/etcd_client.h"
#include "backends/etcd/member.h"

namespace kontena::testing {

class EtcdCluster {
public:
    explicit EtcdCluster(int members) {
        for (int i = 0; i < members; ++i) {
            Member m;
            m.name = "m" + std::to_string(i + 1);
            m.client = "http://127.0.0.1:" + std::to_string(freePort());
            m.peer = "http://127.0.0.1:" + std::to_string(freePort());
            members_.push_back(std::move(m));
        }
    }
    ~EtcdCluster() {
        for (std::size_t i = 0; i < members_.size(); ++i) stop(i);
    }

    // Starts every member; true once a linearizable read answers.
    bool start() {
        for (std::size_t i = 0; i < members_.size(); ++i) startMember(i);
        return waitQuorum(std::chrono::seconds(15));
    }
    void startMember(std::size_t i) {
        Member& m = members_[i];
        if (m.process && m.process->state() != QProcess::NotRunning) return;
        etcd::MemberConfig c;
        c.name = m.name;
        c.dataDir = dir_.path().toStdString() + "/" + m.name;
        c.clientUrl = m.client;
        c.peerUrl = m.peer;
        for (const auto& o : members_) c.initialCluster.emplace_back(o.name, o.peer);
        QStringList args;
        for (const auto& a : etcd::memberArguments(c)) args << QString::fromStdString(a);
        m.process = std::make_unique<QProcess>();
        m.process->setProcessChannelMode(QProcess::MergedChannels);
        m.process->setStandardOutputFile(dir_.path() + QLatin1Char('/') + QString::fromStdString(m.name) + QStringLiteral(".log"),
                                         QIODevice::Append);
        m.process->start(QStringLiteral("/usr/bin/etcd"), args);
        m.process->waitForStarted(5000);
    }
    // SIGKILL, as a node that dies.
    void stop(std::size_t i) {
        Member& m = members_[i];
        if (!m.process) return;
        m.process->kill();
        m.process->waitForFinished(5000);
        m.process.reset();
    }
    bool waitQuorum(std::chrono::milliseconds within) const {
        const auto until = std::chrono::steady_clock::now() + within;
        etcd::EtcdClient c(endpoints(), std::chrono::milliseconds(500));
        while (std::chrono::steady_clock::now() < until) {
            if (c.get("/kontena/probe")) return true;
            QThread::msleep(100);
        }
        return false;
    }
    std::vector<std::string> endpoints() const {
        std::vector<std::string> out;
        for (const auto& m : members_) out.push_back(m.client);
        return out;
    }
    std::string endpoint(std::size_t i) const { return members_[i].client; }
    bool valid() const { return dir_.isValid(); }

private:
    struct Member {
        std::string name, client, peer;
        std::unique_ptr<QProcess> process;
    };
    static int freePort() {
        QTcpServer s;
        s.listen(QHostAddress::LocalHost, 0);
        return s.serverPort();
    }

    QTemporaryDir dir_;
    std::vector<Member> members_;
};

}  // namespace kontena::testing
