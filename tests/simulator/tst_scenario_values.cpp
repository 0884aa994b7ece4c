// Scalar syntax of scenario files: durations, memory sizes, integers,
// names and references (simulator/scenario_values.h).
#include <QTest>

#include "simulator/scenario_values.h"

using namespace kontena;
using namespace kontena::sim;

class TestScenarioValues : public QObject {
    Q_OBJECT

private slots:
    void durations_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("seconds") << QByteArray("30s") << qint64(30'000);
        QTest::newRow("minutes+seconds") << QByteArray("1m30s") << qint64(90'000);
        QTest::newRow("millis") << QByteArray("250ms") << qint64(250);
        QTest::newRow("hours") << QByteArray("2h") << qint64(7'200'000);
        QTest::newRow("all units") << QByteArray("1h2m3s4ms") << qint64(3'723'004);
        QTest::newRow("zero") << QByteArray("0s") << qint64(0);
        QTest::newRow("minutes then ms") << QByteArray("1m5ms") << qint64(60'005);
        QTest::newRow("large term") << QByteArray("90m") << qint64(5'400'000);
        QTest::newRow("leading zeros") << QByteArray("007s") << qint64(7'000);
    }
    void durations() {
        QFETCH(QByteArray, text);
        QFETCH(qint64, ms);
        const auto d = parseDuration(text.toStdString());
        QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
        QCOMPARE(d.value().ms, ms);
    }

    void badDurations_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("bare integer") << QByteArray("30") << QByteArray("has no unit");
        QTest::newRow("empty") << QByteArray("") << QByteArray("empty duration");
        QTest::newRow("unknown unit") << QByteArray("5d") << QByteArray("invalid duration");
        QTest::newRow("negative") << QByteArray("-5s") << QByteArray("invalid duration");
        QTest::newRow("space") << QByteArray("1m 30s") << QByteArray("invalid duration");
        QTest::newRow("fraction") << QByteArray("1.5s") << QByteArray("invalid duration");
        QTest::newRow("units out of order") << QByteArray("30s1m") << QByteArray("order h, m, s, ms");
        QTest::newRow("unit twice") << QByteArray("1s1s") << QByteArray("order h, m, s, ms");
        QTest::newRow("trailing digits") << QByteArray("1m30") << QByteArray("invalid duration");
        QTest::newRow("unit only") << QByteArray("s") << QByteArray("invalid duration");
        QTest::newRow("too long") << QByteArray("999999999999h") << QByteArray("too long");
        QTest::newRow("huge number") << QByteArray("99999999999999999999999s") << QByteArray("invalid duration");
        QTest::newRow("upper case") << QByteArray("5S") << QByteArray("invalid duration");
    }
    void badDurations() {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, message);
        const auto d = parseDuration(text.toStdString());
        QVERIFY(!d.ok());
        QVERIFY2(d.error().message.find(message.toStdString()) != std::string::npos, d.error().message.c_str());
    }

    void memory_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("B") << QByteArray("100B") << qint64(100);
        QTest::newRow("KiB") << QByteArray("2KiB") << qint64(2048);
        QTest::newRow("MiB") << QByteArray("512MiB") << qint64(512LL << 20);
        QTest::newRow("GiB") << QByteArray("4GiB") << qint64(4LL << 30);
        QTest::newRow("TiB") << QByteArray("1TiB") << qint64(1LL << 40);
        QTest::newRow("max") << QByteArray("1024TiB") << qint64(1LL << 50);
    }
    void memory() {
        QFETCH(QByteArray, text);
        QFETCH(qint64, bytes);
        const auto m = parseMemory(text.toStdString());
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QCOMPARE(m.value(), bytes);
    }

    void badMemory_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("no unit") << QByteArray("4096");
        QTest::newRow("decimal units") << QByteArray("4GB");
        QTest::newRow("lower case") << QByteArray("4gib");
        QTest::newRow("fraction") << QByteArray("1.5GiB");
        QTest::newRow("too large") << QByteArray("1025TiB");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("negative") << QByteArray("-1GiB");
    }
    void badMemory() {
        QFETCH(QByteArray, text);
        QVERIFY(!parseMemory(text.toStdString()).ok());
    }

    void integers() {
        QCOMPARE(parseInteger("42", 0, 100).value(), 42);
        QCOMPARE(parseInteger("-3", -5, 5).value(), -3);
        QVERIFY(!parseInteger("101", 0, 100).ok());
        QVERIFY(!parseInteger("4x", 0, 100).ok());
        QVERIFY(!parseInteger("", 0, 100).ok());
        QVERIFY(!parseInteger("-", 0, 100).ok());
        QVERIFY(!parseInteger("1e3", 0, 10000).ok());
    }

    void booleans() {
        QCOMPARE(parseBool("true").value(), true);
        QCOMPARE(parseBool("False").value(), false);
        QCOMPARE(parseBool("yes").value(), true);
        QCOMPARE(parseBool("off").value(), false);
        QVERIFY(!parseBool("1").ok());
        QVERIFY(!parseBool("maybe").ok());
    }

    void names() {
        QVERIFY(isNodeName("node-1"));
        QVERIFY(isNodeName("1"));
        QVERIFY(!isNodeName(""));
        QVERIFY(!isNodeName("Node-1"));
        QVERIFY(!isNodeName("node_1"));
        QVERIFY(!isNodeName("node 1"));
        QVERIFY(isStackName("web"));
        QVERIFY(isStackName("my_stack-2"));
        QVERIFY(!isStackName("null"));
        QVERIFY(!isStackName("-web"));
        QVERIFY(!isStackName("Web"));
        QVERIFY(isServiceName("api"));
        QVERIFY(isServiceName("Api_2"));
        QVERIFY(!isServiceName("-api"));
        QVERIFY(!isServiceName("a.b"));
        QVERIFY(isLabel("az=a"));
        QVERIFY(isLabel("ssd"));
        QVERIFY(isLabel("ephemeral="));
        QVERIFY(!isLabel("=a"));
        QVERIFY(!isLabel("a b"));
        QVERIFY(!isLabel(""));
    }

    void serviceRefs() {
        const auto ref = parseServiceRef("web/api");
        QVERIFY(ref.ok());
        QCOMPARE(ref.value().stack, std::string("web"));
        QCOMPARE(ref.value().service, std::string("api"));
        QCOMPARE(ref.value().key(), std::string("web/api"));
        QVERIFY(!parseServiceRef("api").ok());
        QVERIFY(!parseServiceRef("/api").ok());
        QVERIFY(!parseServiceRef("web/").ok());
        QVERIFY(!parseServiceRef("web/a/b").ok());
        QVERIFY(!parseServiceRef("null/api").ok());
    }

    void instanceRefs() {
        const auto ref = parseInstanceRef("web/my-api-12");
        QVERIFY(ref.ok());
        QCOMPARE(ref.value().service.key(), std::string("web/my-api"));
        QCOMPARE(ref.value().number, 12);
        QCOMPARE(ref.value().name(), std::string("web/my-api-12"));
        QVERIFY(!parseInstanceRef("web/api").ok());
        QVERIFY(!parseInstanceRef("web/api-0").ok());
        QVERIFY(!parseInstanceRef("web/api-01").ok());
        QVERIFY(!parseInstanceRef("web/api-x").ok());
        QVERIFY(!parseInstanceRef("web/-1").ok());
        QVERIFY(!parseInstanceRef("api-1").ok());
    }
};

QTEST_GUILESS_MAIN(TestScenarioValues)
#include "tst_scenario_values.moc"
