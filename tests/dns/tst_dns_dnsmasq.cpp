// Names follow containers through a real dnsmasq: records published by the
// agent's HostsPublisher resolve within a second, names that leave the
// records (a stopped or unhealthy instance, a moved one) stop resolving,
// unknown names are NXDOMAIN and never forwarded, and the DNS client
// survives malformed answers.
#include <QDir>
#include <QElapsedTimer>
#include <QTest>

#include <random>

#include "backends/dns/hosts_publisher.h"
#include "tests/scheduler/dns_endpoints.h"
#include "dnsmasq_harness.h"

using namespace kontena::dns;
using kontena::testing::runningEndpoint;
using kontena::testing::PrivateDnsmasq;

namespace {

// Polls until `name` resolves to exactly `want` (sorted); the time it took, or -1.
// The limit is generous (a shared, loaded machine): the one-second goal is
// measured by bench_dns (dns_converged_*), not asserted here.
qint64 waitFor(const PrivateDnsmasq& d, const std::string& name, std::vector<std::string> want, int withinMs = 10000) {
    std::sort(want.begin(), want.end());
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < withinMs) {
        auto a = queryA("127.0.0.1", d.port(), name, std::chrono::milliseconds(200));
        if (a) {
            auto got = a.value().addresses;
            std::sort(got.begin(), got.end());
            if (got == want) return t.elapsed();
        }
        QThread::msleep(10);
    }
    return -1;
}

}  // namespace

class TstDnsDnsmasq : public QObject {
    Q_OBJECT
    PrivateDnsmasq dnsmasq_;

private slots:
    void initTestCase() { QVERIFY2(dnsmasq_.start(), "dnsmasq did not start (package dnsmasq-base)"); }

    void namesFollowInstances() {
        HostsPublisher pub(dnsmasq_.hostsDir());
        // Instance addresses are record data only (loopback ones): queries go to the dnsmasq on 127.0.0.1, nothing connects to them.
        GridNames g{"prod", {runningEndpoint("shop", "db", 1, "127.81.128.1"), runningEndpoint("shop", "web", 1, "127.81.128.2"),
                             runningEndpoint("shop", "web", 2, "127.81.128.3")}, {}, {"127.81.0.1"}};
        QVERIFY(pub.publish(records(g)));
        QVERIFY2(waitFor(dnsmasq_, "db.shop.prod.kontena.local", {"127.81.128.1"}) >= 0, dnsmasq_.log().constData());
        QVERIFY(waitFor(dnsmasq_, "web.shop.prod.kontena.local", {"127.81.128.2", "127.81.128.3"}) >= 0);
        QVERIFY(waitFor(dnsmasq_, "web-2.shop.prod.kontena.local", {"127.81.128.3"}) >= 0);
        QVERIFY(waitFor(dnsmasq_, "etcd.kontena.local", {"127.81.0.1"}) >= 0);

        // web-2 turns unhealthy, db moves to another node (a new address).
        g.endpoints[2].unhealthy = true;
        g.endpoints[0].address = "127.81.128.9";
        QVERIFY(pub.publish(records(g)));
        const qint64 left = waitFor(dnsmasq_, "web.shop.prod.kontena.local", {"127.81.128.2"});
        QVERIFY2(left >= 0, "an unhealthy instance stayed in the name");
        qInfo("the unhealthy instance left the name after %lld ms", left);
        QVERIFY(waitFor(dnsmasq_, "web-2.shop.prod.kontena.local", {}) >= 0);
        QVERIFY(waitFor(dnsmasq_, "db.shop.prod.kontena.local", {"127.81.128.9"}) >= 0);
        auto gone = queryA("127.0.0.1", dnsmasq_.port(), "web-2.shop.prod.kontena.local");
        QVERIFY(gone.ok());
        QCOMPARE(gone.value().rcode, 3);   // NXDOMAIN, not forwarded anywhere
        QVERIFY(pub.publish(records(g)));   // unchanged: not written again
        QCOMPARE(pub.writes(), 2);
        // No temporary file is left where dnsmasq reads.
        QCOMPARE(QDir(dnsmasq_.hostsDir()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("kontena.hosts")});
    }

    void unknownNamesAreNxdomain() {
        auto a = queryA("127.0.0.1", dnsmasq_.port(), "nope.other.prod.kontena.local");
        QVERIFY(a.ok());
        QCOMPARE(a.value().rcode, 3);
        QVERIFY(a.value().addresses.empty());
    }

    void queryEncoding() {
        QVERIFY(encodeQuery(1, "").empty());
        QVERIFY(encodeQuery(1, "a..b").empty());
        QVERIFY(encodeQuery(1, std::string(64, 'a') + ".b").empty());
        QCOMPARE(encodeQuery(7, "a.b."), encodeQuery(7, "a.b"));
        QCOMPARE(encodeQuery(7, "ab.c").size(), std::size_t(12 + 1 + 2 + 1 + 1 + 1 + 4));
    }

    // Truncated and random datagrams are errors, never a crash or an overread.
    void malformedAnswers() {
        const std::string q = encodeQuery(9, "a.b");
        QVERIFY(!decodeAnswer(9, "short"));
        QVERIFY(!decodeAnswer(8, q));   // another id
        std::string lying = q;
        lying[7] = 5;   // claims 5 answers it does not have
        QVERIFY(!decodeAnswer(9, lying));
        std::mt19937 rng(3);
        for (int i = 0; i < 5000; ++i) {
            std::string d = q;
            d.resize(12 + rng() % 40);
            for (std::size_t k = 2; k < d.size(); ++k) {
                if (rng() % 3 == 0) d[k] = static_cast<char>(rng());
            }
            (void)decodeAnswer(9, d);
        }
    }
};

QTEST_GUILESS_MAIN(TstDnsDnsmasq)
#include "tst_dns_dnsmasq.moc"
