#pragma once
// What the master benchmarks share: a kontena-master process on loopback
// with a private data directory, logged in as its admin, grids made over
// its REST API, and agent WebSockets opened with the protocol's handshake.
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QWebSocket>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "client/client.h"
#include "master/epoll_dispatcher.h"
#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"

namespace kontena::bench {

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

inline double rssMiB(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

// The generator's own event loop on epoll, as the master's
// (master/epoll_dispatcher.h): on Qt's, a generator process holding 2,500
// sockets polled them all every turn and took more of the machine's two
// cores than the master it measures. KONTENA_BENCH_GENERATOR_LOOP=qt keeps
// Qt's (figures comparable with the ones taken that way). Call before
// QCoreApplication is constructed.
inline void useEpollLoop() {
    if (qgetenv("KONTENA_BENCH_GENERATOR_LOOP") != "qt") kontena::master::installEpollDispatcher();
}

// Thousands of sockets in one process: the soft file limit up to the hard one.
inline void raiseFileLimit() {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
}

// User + system CPU seconds process `pid` has used so far.
inline double cpuSeconds(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return (fields.value(11).toDouble() + fields.value(12).toDouble()) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// An agent's WebSocket (not yet open) to the master on `port`: the handshake request for node `name`.
inline QNetworkRequest agentRequest(quint16 port, const QString& nodeId, const QString& name, const QString& gridToken) {
    protocol::Handshake h;
    h.nodeId = nodeId;
    h.nodeName = name;
    h.version = QStringLiteral("0.1.0");
    h.connectedAt = QDateTime::currentDateTimeUtc();
    h.token = gridToken;
    h.protocolVersion = protocol::kProtocolVersion;
    QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    for (const auto& [k, v] : protocol::toHeaders(h)) req.setRawHeader(k, v);
    return req;
}

class BenchMaster {
public:
    ~BenchMaster() {
        proc_.kill();
        proc_.waitForFinished(5000);
    }
    // Starts the master and logs in; false (reason on stderr) when it cannot.
    bool start() {
        // KONTENA_BENCH_KEEP=1: the master's data and logs stay (the path on stderr).
        if (!qEnvironmentVariableIsEmpty("KONTENA_BENCH_KEEP")) {
            dir_.setAutoRemove(false);
            std::fprintf(stderr, "master data and logs kept in %s\n", qPrintable(dir_.path()));
        }
        {
            QTcpServer s;
            s.listen(QHostAddress::LocalHost, 0);
            port_ = s.serverPort();
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("INITIAL_ADMIN_CODE"), QStringLiteral("bench"));
        env.insert(QStringLiteral("KONTENA_MASTER_LOG_LEVEL"), QStringLiteral("warning"));
        proc_.setProcessEnvironment(env);
        proc_.setStandardOutputFile(dir_.filePath(QStringLiteral("master.log")));
        proc_.setStandardErrorFile(dir_.filePath(QStringLiteral("master.err")));
        // KONTENA_MASTER_BIN in the environment runs another build's master (before/after figures).
        const QString bin = qEnvironmentVariable("KONTENA_MASTER_BIN", QStringLiteral(KONTENA_MASTER_BIN));
        QStringList args{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port_), QStringLiteral("--data-dir"), dir_.filePath(QStringLiteral("data"))};
        // KONTENA_BENCH_MASTER_STORE=postgresql://...: the master on that store (several masters' setup, one of them).
        if (const QString store = qEnvironmentVariable("KONTENA_BENCH_MASTER_STORE"); !store.isEmpty()) args << QStringLiteral("--store") << store;
        proc_.start(bin, args);
        if (!proc_.waitForStarted(5000)) return false;
        QThread::msleep(500);
        client::ApiClient anon(url(), QString());
        const auto auth = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("bench")}});
        if (!auth.ok()) {
            std::fprintf(stderr, "cannot log in: %s\n", qPrintable(auth.error->message));
            return false;
        }
        api_ = std::make_unique<client::ApiClient>(url(), auth.object().value(QStringLiteral("access_token")).toString());
        return true;
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port_); }
    client::ApiClient& api() { return *api_; }
    qint64 pid() const { return proc_.processId(); }
    QString dataDir() const { return dir_.filePath(QStringLiteral("data")); }

    // Makes grid `name` (the master pings each agent every `keepalive` s) and returns its token ("" on failure).
    QString createGrid(const QString& name, int initialSize, int keepalive = 1) {
        const auto r = api_->post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), name},
                                                                           {QStringLiteral("initial_size"), initialSize},
                                                                           {QStringLiteral("settings"), QJsonObject{{QStringLiteral("keepalive_interval"), keepalive}}}});
        if (!r.ok()) return QString();
        return api_->get(QStringLiteral("/v1/grids/%1/token").arg(name)).object().value(QStringLiteral("token")).toString();
    }

    // An agent's WebSocket (not yet open): the handshake request for node `name`.
    QNetworkRequest agentRequest(const QString& nodeId, const QString& name, const QString& gridToken) const;
    quint16 port() const { return port_; }

    // The /nodes/update an agent sends first.
    static QString nodeUpdate(const QString& nodeId) {
        protocol::NodeUpdate u;
        u.nodeId = nodeId;
        u.cpus = 2;
        u.memTotal = 4LL << 30;
        return QString::fromUtf8(protocol::encode(protocol::Frame::request(1, QString::fromLatin1(protocol::method::kNodesUpdate),
                                                                           protocol::params(protocol::toJson(u)))));
    }

private:
    QTemporaryDir dir_;
    QProcess proc_;
    quint16 port_ = 0;
    std::unique_ptr<client::ApiClient> api_;
};

inline QNetworkRequest BenchMaster::agentRequest(const QString& nodeId, const QString& name, const QString& gridToken) const {
    return bench::agentRequest(port_, nodeId, name, gridToken);
}

}  // namespace kontena::bench
