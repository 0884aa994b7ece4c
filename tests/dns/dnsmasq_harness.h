#pragma once
// A real dnsmasq of the test's own on a free loopback port, started with the
// agent's command line (dns::dnsmasqArguments) and a temporary hosts directory.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <QThread>
#include <QTcpServer>
#include <QUdpSocket>

#include "backends/dns/dns_query.h"
#include "backends/dns/dnsmasq.h"

namespace kontena::testing {

class PrivateDnsmasq {
public:
    ~PrivateDnsmasq() {
        process_.kill();
        process_.waitForFinished(3000);
    }
    // True once dnsmasq answers (NXDOMAIN for an unknown name).
    bool start() {
        if (!dir_.isValid() || !QDir().mkpath(hostsDir())) return false;
        // dnsmasq drops root for its own user, which must reach the hosts directory.
        const auto readable = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup |
                              QFile::ReadOther | QFile::ExeOther;
        QFile::setPermissions(dir_.path(), readable);
        QFile::setPermissions(hostsDir(), readable);
        // dnsmasq listens on UDP and TCP of one port: a port free for UDP
        // may be taken for TCP by another test on this machine, so a start
        // that does not answer is tried again on another port.
        for (int attempt = 0; attempt < 5; ++attempt) {
            if (startOn(freePort())) return true;
            process_.kill();
            process_.waitForFinished(3000);
        }
        return false;
    }
private:
    static int freePort() {
        QUdpSocket udp;   // free for both UDP and TCP on loopback, at this moment
        QTcpServer tcp;
        for (int i = 0; i < 20; ++i) {
            if (!udp.bind(QHostAddress::LocalHost, 0)) continue;
            const quint16 port = udp.localPort();
            const bool tcpFree = tcp.listen(QHostAddress::LocalHost, port);
            tcp.close();
            udp.close();
            if (tcpFree) return port;
        }
        return 0;
    }
    bool startOn(int port) {
        if (port == 0) return false;
        port_ = port;
        dns::DnsmasqConfig c;
        c.port = port_;
        c.hostsDir = hostsDir().toStdString();
        c.pidFile = dir_.path().toStdString() + "/dnsmasq.pid";
        c.logFile = dir_.path().toStdString() + "/dnsmasq.log";
        QStringList args;
        for (const auto& a : dns::dnsmasqArguments(c)) args << QString::fromStdString(a);
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(QStringLiteral("/usr/sbin/dnsmasq"), args);
        if (!process_.waitForStarted(5000)) return false;
        for (int i = 0; i < 30; ++i) {
            auto a = dns::queryA("127.0.0.1", port_, "probe.kontena.local", std::chrono::milliseconds(200));
            if (a) return true;
            if (process_.state() == QProcess::NotRunning) return false;   // it could not bind: another port
            QThread::msleep(100);
        }
        return false;
    }

public:
    QString hostsDir() const { return dir_.path() + QStringLiteral("/hosts"); }
    int port() const { return port_; }
    // dnsmasq's log, for failure messages.
    QByteArray log() const {
        QFile f(dir_.path() + QStringLiteral("/dnsmasq.log"));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private:
    QTemporaryDir dir_;
    QProcess process_;
    int port_ = 0;
};

}  // namespace kontena::testing
