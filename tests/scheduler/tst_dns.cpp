// Service discovery records (reference §7.2) and the instance name limit (§6.4).
#include <QTest>

#include "scheduler/dns.h"
#include "tests/scheduler/dns_endpoints.h"

using namespace kontena::dns;
using kontena::testing::runningEndpoint;

class TstDns : public QObject {
    Q_OBJECT
private slots:
    void stackServiceNames() {
        GridNames g{"prod", {runningEndpoint("shop", "db", 1, "10.81.128.1"), runningEndpoint("shop", "db", 2, "10.81.128.2")}, {}, {}};
        const Records r = records(g);
        QCOMPARE(r.at("db.shop.prod.kontena.local"), (std::set<std::string>{"10.81.128.1", "10.81.128.2"}));
        QCOMPARE(r.at("db-2.shop.prod.kontena.local"), (std::set<std::string>{"10.81.128.2"}));
        QCOMPARE(r.size(), std::size_t(3));   // no null-stack or stack names
    }

    void exposedServiceNamesTheStack() {
        GridNames g{"prod", {runningEndpoint("shop", "web", 1, "10.81.128.5"), runningEndpoint("shop", "db", 1, "10.81.128.6")}, {{"shop", "web"}}, {}};
        const Records r = records(g);
        QCOMPARE(r.at("shop.prod.kontena.local"), (std::set<std::string>{"10.81.128.5"}));
        QCOMPARE(r.at("shop-1.prod.kontena.local"), (std::set<std::string>{"10.81.128.5"}));
        QVERIFY(!r.count("db.prod.kontena.local"));
    }

    void nullStackGetsShortNames() {
        GridNames g{"Prod", {runningEndpoint("null", "Redis", 3, "10.81.128.9")}, {}, {}};
        const Records r = records(g);
        for (const char* name : {"redis.prod.kontena.local", "redis-3.prod.kontena.local", "redis.kontena.local", "redis-3.kontena.local"}) {
            QVERIFY2(r.count(name), name);
        }
        QCOMPARE(r.size(), std::size_t(4));
    }

    void onlyRunningHealthyAddressedInstances() {
        Endpoint stopped = runningEndpoint("s", "a", 1, "10.81.128.1");
        stopped.running = false;
        Endpoint sick = runningEndpoint("s", "a", 2, "10.81.128.2");
        sick.unhealthy = true;
        Endpoint noIp = runningEndpoint("s", "a", 3, "");
        Endpoint host = runningEndpoint("s", "a", 4, "10.81.128.4");
        host.hostNetwork = true;
        GridNames g{"g", {stopped, sick, noIp, host, runningEndpoint("s", "a", 5, "10.81.128.5")}, {}, {}};
        const Records r = records(g);
        QCOMPARE(r.at("a.s.g.kontena.local"), (std::set<std::string>{"10.81.128.5"}));
        QCOMPARE(r.size(), std::size_t(2));
    }

    void etcdName() {
        GridNames g{"g", {}, {}, {"10.81.0.1", "10.81.0.2"}};
        QCOMPARE(records(g).at("etcd.kontena.local"), (std::set<std::string>{"10.81.0.1", "10.81.0.2"}));
    }

    void hostsFileIsSortedPairs() {
        GridNames g{"g", {runningEndpoint("s", "b", 1, "10.81.128.2"), runningEndpoint("s", "a", 1, "10.81.128.1")}, {}, {}};
        QCOMPARE(hostsFile(records(g)),
                 std::string("10.81.128.1 a-1.s.g.kontena.local\n10.81.128.1 a.s.g.kontena.local\n"
                             "10.81.128.2 b-1.s.g.kontena.local\n10.81.128.2 b.s.g.kontena.local\n"));
    }

    // Reference §6.4: a 38-character name in grid test-grid, null stack: 9 instances fit, 10 do not.
    void instanceNameLimit() {
        const std::string name(38, 'x');
        QCOMPARE(longestInstanceName("test-grid", "null", name, 9).size(), std::size_t(64));
        QVERIFY(nameLengthProblem("test-grid", "null", name, 9).empty());
        QCOMPARE(nameLengthProblem("test-grid", "null", name, 10),
                 "Total grid service name length 65 is over limit (64): " + name + "-10.test-grid.kontena.local");
        QCOMPARE(longestInstanceName("g", "s", "a", 0), std::string("a-1.s.g.kontena.local"));
    }
};

QTEST_GUILESS_MAIN(TstDns)
#include "tst_dns.moc"
