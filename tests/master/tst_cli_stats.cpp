// Statistics through the real kontena and kontena-master programs: an agent
// (this test, speaking the agent protocol on a WebSocket: node update, pods
// reported running, container and node samples) feeds the master;
// `kontena service stats` and `kontena node stats` show Kontena's columns
// and -o json; bad filters and unknown services are refused; `kontena grid
// update --statsd-server` makes the master send the samples as statsd
// gauges to a UDP socket on 127.0.0.1, `--no-statsd-server` stops it.
#include <QUdpSocket>
#include <QWebSocket>
#include <QtTest>

#include "tests/master/platform_harness.h"
#include "tests/master/protocol_agent.h"

using namespace kontena;
using namespace kontena::testing;
using namespace Qt::StringLiterals;

class TestCliStats : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private slots:
    void statsThroughTheCli() {
        QVERIFY(dir_.isValid());
        MasterProcess master(dir_.filePath(u"data"_s));
        QVERIFY2(master.start(u"code-1"_s), qPrintable(master.log()));
        Cli cli(dir_.filePath(u"cfg"_s));
        QCOMPARE(cli.run({u"master"_s, u"login"_s, u"--code"_s, u"code-1"_s, master.url()}).exit, 0);
        QCOMPARE(cli.run({u"grid"_s, u"create"_s, u"prod"_s}).exit, 0);
        const QString token = cli.run({u"grid"_s, u"token"_s}).out.trimmed();
        QVERIFY(!token.isEmpty());

        ProtocolAgent agent;
        QVERIFY(agent.open(master.wsUrl(), token));
        QTRY_VERIFY_WITH_TIMEOUT(cli.run({u"node"_s, u"ls"_s}).out.contains(u"online"_s), 10000);
        QFile file(dir_.filePath(u"kontena.yml"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("stack: test/web\nversion: 1.0.0\nservices:\n  app:\n    image: busybox:1\n    instances: 2\n");
        file.close();
        auto r = cli.run({u"stack"_s, u"install"_s, u"--no-wait"_s, u"-n"_s, u"web"_s, file.fileName()});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        QTRY_COMPARE_WITH_TIMEOUT(agent.running.size(), 2, 10000);
        agent.running.sort();

        // No sample yet: the containers are listed without figures.
        r = cli.run({u"service"_s, u"stats"_s, u"web/app"_s});
        QCOMPARE(r.exit, 0);
        QVERIFY2(r.out.startsWith(u"CONTAINER"_s) && r.out.contains(u"CPU %"_s) && r.out.contains(u"MEM USAGE/LIMIT"_s) &&
                     r.out.contains(u"MEM %"_s) && r.out.contains(u"NET I/O"_s),
                 qPrintable(r.out));

        agent.stat(agent.running[0], 12.5, 50 * MiB, 100 * MiB, 1500, 2000);
        agent.stat(agent.running[1], 3, 10 * MiB, 0, 0, 0);
        agent.stat(u"web.stray-1"_s, 99, 1, 1, 1, 1);   // no instance of the grid: ignored
        protocol::NodeStatsReport node;
        node.memTotal = 4096 * MiB;
        node.memUsed = 1024 * MiB;
        node.memFree = 2048 * MiB;
        node.memCached = 1024 * MiB;
        node.load1 = 0.5;
        node.cpuPercent = 25;
        node.at = QDateTime::currentDateTimeUtc();
        agent.notify(protocol::method::kNodesStats, protocol::toJson(node));
        QTest::qWait(300);

        QTRY_VERIFY_WITH_TIMEOUT(cli.run({u"service"_s, u"stats"_s, u"web/app"_s}).out.contains(u"12.50%"_s), 5000);
        r = cli.run({u"service"_s, u"stats"_s, u"web/app"_s});
        const QStringList lines = r.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[1].contains(agent.running[0]) && lines[1].contains(u"50MiB / 100MiB"_s) && lines[1].contains(u"50.00%"_s) &&
                     lines[1].contains(u"1.5kB / 2kB"_s),
                 qPrintable(r.out));
        QVERIFY2(lines[2].contains(agent.running[1]) && lines[2].contains(u"3.00%"_s) && lines[2].contains(u"10MiB / -"_s), qPrintable(r.out));
        QVERIFY(!r.out.contains(u"stray"_s));
        r = cli.run({u"service"_s, u"stats"_s, u"web/app"_s, u"-o"_s, u"json"_s, u"--since"_s, u"1h"_s});
        QCOMPARE(r.exit, 0);
        const QJsonArray stats = r.json().toArray();
        QCOMPARE(stats.size(), 2);
        QCOMPARE(stats[0][u"latest"_s][u"cpu_percent"_s].toDouble(), 12.5);
        QCOMPARE(stats[0][u"instance_number"_s].toInt(), 1);
        QCOMPARE(stats[0][u"node"_s].toString(), u"n1"_s);
        QCOMPARE(stats[0][u"points"_s].toArray().size(), 1);

        r = cli.run({u"node"_s, u"stats"_s, u"n1"_s});
        QVERIFY2(r.exit == 0 && r.out.contains(u"25.00%"_s) && r.out.contains(u"1GiB / 4GiB"_s) && r.out.contains(u"0.50, "_s),
                 qPrintable(r.out + r.err));
        r = cli.run({u"node"_s, u"stats"_s, u"n1"_s, u"-o"_s, u"json"_s});
        QCOMPARE(r.json()[u"memory"_s][u"used"_s].toDouble(), double(1024 * MiB));

        // Refusals.
        r = cli.run({u"service"_s, u"stats"_s, u"web/nope"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"not found"_s), qPrintable(r.err));
        r = cli.run({u"service"_s, u"stats"_s, u"web/app"_s, u"--since"_s, u"yesterday"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"since:"_s) && r.err.contains(u"400"_s), qPrintable(r.err));
        r = cli.run({u"node"_s, u"stats"_s, u"nope"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"Node nope not found"_s), qPrintable(r.err));

        statsd(cli, agent);
    }

private:
    void statsd(Cli& cli, ProtocolAgent& agent) {
        QUdpSocket receiver;
        QVERIFY(receiver.bind(QHostAddress::LocalHost, 0));
        const QString server = u"127.0.0.1:%1"_s.arg(receiver.localPort());
        QCOMPARE(cli.run({u"grid"_s, u"update"_s, u"--statsd-server"_s, u"nope"_s}).exit, 2);
        auto r = cli.run({u"grid"_s, u"update"_s, u"--statsd-server"_s, server});
        QVERIFY2(r.exit == 0 && r.out.contains(server), qPrintable(r.out + r.err));
        QCOMPARE(cli.run({u"grid"_s, u"show"_s, u"-o"_s, u"json"_s}).json()[u"stats"_s][u"statsd"_s][u"port"_s].toInt(), receiver.localPort());

        agent.stat(agent.running[0], 42, 5 * MiB, 0, 7, 8);
        QTRY_VERIFY_WITH_TIMEOUT(receiver.hasPendingDatagrams(), 5000);
        QByteArray datagram(int(receiver.pendingDatagramSize()), '\0');
        receiver.readDatagram(datagram.data(), datagram.size());
        const QString prefix = u"kontena.prod.web.app.%1."_s.arg(agent.running[0].section(u'-', -1));
        QVERIFY2(datagram.contains((prefix + u"cpu_percent:42.00|g\n"_s).toUtf8()) &&
                     datagram.contains((prefix + u"memory_bytes:5242880|g\n"_s).toUtf8()) &&
                     datagram.contains((prefix + u"network_tx_bytes:8|g\n"_s).toUtf8()),
                 datagram.constData());

        r = cli.run({u"grid"_s, u"update"_s, u"--no-statsd-server"_s});
        QCOMPARE(r.exit, 0);
        QVERIFY(!cli.run({u"grid"_s, u"show"_s, u"-o"_s, u"json"_s}).json().toObject().contains(u"stats"_s));
        agent.stat(agent.running[0], 43, 5 * MiB, 0, 9, 9);
        QTest::qWait(500);
        QVERIFY(!receiver.hasPendingDatagrams());
        QTRY_VERIFY_WITH_TIMEOUT(cli.run({u"service"_s, u"stats"_s, u"web/app"_s}).out.contains(u"43.00%"_s), 5000);   // still kept
    }
};

QTEST_GUILESS_MAIN(TestCliStats)
#include "tst_cli_stats.moc"
