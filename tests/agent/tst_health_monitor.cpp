// HealthMonitor against servers inside the test on loopback: Kontena's HTTP
// verdicts (200-399 healthy, a redirect healthy and not followed, 4xx/5xx,
// silence past the timeout and a refused connection unhealthy), the
// User-Agent and path sent, TCP open/closed, the check interval, and that
// an unhealthy result ends the watch (the container is restarted).
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include "agent/health_monitor.h"

using namespace kontena;
using namespace kontena::agentd;

namespace {

constexpr int kWait = 20000;

// Answers every HTTP request with `status` (0: never answers); records requests.
class TinyHttp : public QObject {
public:
    int status = 200;
    QList<QByteArray> requests;
    QTcpServer server;

    TinyHttp() {
        server.listen(QHostAddress::LocalHost, 0);
        connect(&server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] {
                    const QByteArray req = s->readAll();
                    requests.append(req);
                    if (status == 0) return;
                    QByteArray answer = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: 0\r\nConnection: close\r\n";
                    if (status >= 300 && status < 400) answer += "Location: http://127.0.0.1:1/elsewhere\r\n";
                    s->write(answer + "\r\n");
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    int port() const { return server.serverPort(); }
};

HealthCheck http(int port, Duration interval = Duration::seconds(60)) {
    return HealthCheck{"http", port, "/health?x=1", Duration::millis(500), interval, Duration::millis(10)};
}

}  // namespace

class TstHealthMonitor : public QObject {
    Q_OBJECT
private slots:
    void httpVerdicts_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("healthy");
        QTest::newRow("200") << 200 << true;
        QTest::newRow("204") << 204 << true;
        QTest::newRow("302 not followed") << 302 << true;
        QTest::newRow("399") << 399 << true;
        QTest::newRow("404") << 404 << false;
        QTest::newRow("500") << 500 << false;
    }
    void httpVerdicts() {
        QFETCH(int, status);
        QFETCH(bool, healthy);
        TinyHttp server;
        server.status = status;
        HealthMonitor monitor(QStringLiteral("0.1.0"));
        QSignalSpy results(&monitor, &HealthMonitor::result);
        monitor.watch(QStringLiteral("web-1"), QStringLiteral("id1"), http(server.port()), QStringLiteral("127.0.0.1"));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), 1, kWait);
        const auto h = results.first().at(0).value<protocol::ContainerHealth>();
        QCOMPARE(h.status == protocol::HealthStatus::Healthy, healthy);
        QCOMPARE(h.statusCode, status);
        QCOMPARE(h.name, QStringLiteral("web-1"));
        QCOMPARE(monitor.watching(QStringLiteral("web-1")), healthy);   // unhealthy ends the watch
        QCOMPARE(server.requests.size(), 1);                           // redirects are not followed
        QVERIFY(server.requests.first().startsWith("GET /health?x=1 HTTP/1.1"));
        QVERIFY(server.requests.first().contains("User-Agent: Kontena-Agent/0.1.0"));
    }
    void silenceTimesOut() {
        TinyHttp server;
        server.status = 0;
        HealthMonitor monitor(QStringLiteral("0.1.0"));
        QSignalSpy results(&monitor, &HealthMonitor::result);
        monitor.watch(QStringLiteral("web-1"), QStringLiteral("id1"), http(server.port()), QStringLiteral("127.0.0.1"));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), 1, kWait);
        QCOMPARE(results.first().at(0).value<protocol::ContainerHealth>().status, protocol::HealthStatus::Unhealthy);
    }
    void refusedIsUnhealthy() {
        quint16 port = 0;
        {
            QTcpServer s;
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            port = s.serverPort();
        }
        HealthMonitor monitor(QStringLiteral("0.1.0"));
        QSignalSpy results(&monitor, &HealthMonitor::result);
        monitor.watch(QStringLiteral("web-1"), {}, http(port), QStringLiteral("127.0.0.1"));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), 1, kWait);
        QCOMPARE(results.first().at(0).value<protocol::ContainerHealth>().status, protocol::HealthStatus::Unhealthy);
        HealthCheck tcp{"tcp", port, "/", Duration::millis(500), Duration::seconds(60), Duration::millis(10)};
        monitor.watch(QStringLiteral("db-1"), {}, tcp, QStringLiteral("127.0.0.1"));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), 2, kWait);
        const auto h = results.at(1).at(0).value<protocol::ContainerHealth>();
        QCOMPARE(h.status, protocol::HealthStatus::Unhealthy);
        QCOMPARE(h.statusCode, 0);
    }
    void tcpOpenAndInterval() {
        QTcpServer s;
        QVERIFY(s.listen(QHostAddress::LocalHost, 0));
        HealthMonitor monitor(QStringLiteral("0.1.0"));
        QSignalSpy results(&monitor, &HealthMonitor::result);
        HealthCheck tcp{"tcp", s.serverPort(), "/", Duration::millis(500), Duration::millis(100), Duration::millis(10)};
        monitor.watch(QStringLiteral("db-1"), {}, tcp, QStringLiteral("127.0.0.1"));
        QTRY_VERIFY_WITH_TIMEOUT(results.size() >= 3, kWait);   // checked again every interval while healthy
        for (const auto& r : results) {
            QCOMPARE(r.at(0).value<protocol::ContainerHealth>().status, protocol::HealthStatus::Healthy);
            QCOMPARE(r.at(0).value<protocol::ContainerHealth>().statusCode, 1);
        }
        monitor.unwatch(QStringLiteral("db-1"));
        const int n = int(results.size());
        QTest::qWait(300);   // only to show nothing more arrives after unwatch
        QCOMPARE(int(results.size()), n);
    }
};

QTEST_GUILESS_MAIN(TstHealthMonitor)
#include "tst_health_monitor.moc"
