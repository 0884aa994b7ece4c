// IPAM on a real etcd: the client's key operations and transactions, pool
// reservation, addresses never handed out twice while 8 agents race, a full
// pool, release by owner only, the orphan cleaner, and no address at all
// while the cluster has lost quorum (then addresses again once it is back).
#include <QTest>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "backends/etcd/ipam.h"
#include "etcd_cluster.h"

using namespace kontena::etcd;
using kontena::testing::EtcdCluster;

namespace {

Pool smallPool(const std::string& name, const std::string& range) {
    Pool p;
    p.name = name;
    p.subnet = *parseCidr("10.81.0.0/16");
    p.range = *parseCidr(range);
    return p;
}

}  // namespace

class TstEtcdIpam : public QObject {
    Q_OBJECT
    std::unique_ptr<EtcdCluster> one_;

private slots:
    void initTestCase() {
        one_ = std::make_unique<EtcdCluster>(1);
        QVERIFY2(one_->start(), "etcd did not start (package etcd-server)");
    }

    void addressArithmetic() {
        QVERIFY(!parseCidr("10.81.0.1/16"));   // host bits set
        QVERIFY(!parseCidr("10.81.0.0"));
        QVERIFY(!parseCidr("10.81.0.0/33"));
        QVERIFY(!parseCidr("10.081.0.0/16"));
        QVERIFY(!parseIpv4("1.2.3"));
        QVERIFY(!parseIpv4("1.2.3.4.5"));
        QVERIFY(!parseIpv4("1.2.3.256"));
        QCOMPARE(formatIpv4(*parseIpv4("10.81.128.7")), std::string("10.81.128.7"));
        const Pool kontena = defaultPool(*parseCidr("10.81.0.0/16"));
        QCOMPARE(formatCidr(kontena.range), std::string("10.81.128.0/17"));
        QCOMPARE(kontena.capacity(), 32767u);   // upper half less the broadcast address
        QCOMPARE(formatIpv4(kontena.address(0)), std::string("10.81.128.0"));
        QCOMPARE(formatIpv4(kontena.address(kontena.capacity() - 1)), std::string("10.81.255.254"));
        const Pool whole = smallPool("w", "10.81.0.0/16");
        QCOMPARE(whole.capacity(), 65534u);
        QCOMPARE(formatIpv4(whole.address(0)), std::string("10.81.0.1"));
    }

    // Node overlay addresses: the subnet's base plus the number, in its lower half.
    void nodeAddresses() {
        const Ipv4Net grid = *parseCidr(kontena::kDefaultGridSubnet);
        QCOMPARE(nodeNumbersIn(grid), 32767);
        QCOMPARE(formatIpv4(*nodeOverlayAddress(grid, 3)), std::string("10.81.0.3"));
        QCOMPARE(formatIpv4(*nodeOverlayAddress(grid, 300)), std::string("10.81.1.44"));
        const Ipv4Net small = *parseCidr("127.81.0.0/24");
        QCOMPARE(nodeNumbersIn(small), 127);
        QCOMPARE(formatIpv4(*nodeOverlayAddress(small, 127)), std::string("127.81.0.127"));
        QVERIFY(!nodeOverlayAddress(small, 128));   // the upper half is the containers'
        QVERIFY(!nodeOverlayAddress(small, 0));
        QCOMPARE(nodeNumbersIn(*parseCidr("127.81.0.0/31")), 0);
    }

    void keysAndTransactions() {
        EtcdClient c(one_->endpoints());
        QVERIFY(c.put("/t/a", "1").ok());
        QVERIFY(c.put("/t/b", std::string("\0\xff", 2)).ok());
        QVERIFY(c.put("/u", "x").ok());
        auto a = c.get("/t/a");
        QVERIFY(a.ok() && a.value() && a.value()->value == "1");
        QVERIFY(c.get("/t/none").value() == std::nullopt);
        auto listed = c.prefix("/t/");
        QVERIFY(listed.ok());
        QCOMPARE(listed.value().size(), std::size_t(2));
        QCOMPARE(listed.value()[1].value, std::string("\0\xff", 2));
        Txn create;
        create.compare.push_back(Compare::absent("/t/a"));
        create.success.push_back(Operation::put("/t/a", "2"));
        QCOMPARE(c.txn(create).value(), false);   // exists: nothing written
        QCOMPARE(c.get("/t/a").value()->value, std::string("1"));
        QCOMPARE(c.remove("/t/a").value(), std::int64_t(1));
        QCOMPARE(c.txn(create).value(), true);
        QCOMPARE(c.get("/t/a").value()->value, std::string("2"));
        const auto term = c.leaderTerm();
        QVERIFY2(term.ok(), term.ok() ? "" : term.error().message.c_str());
        QVERIFY(term.value() >= 1);
        auto lease = c.grantLease(5);
        QVERIFY(lease.ok());
        QVERIFY(c.keepAlive(lease.value()).value());
    }

    void unreachableEndpointIsUnavailable() {
        EtcdClient c({"http://127.0.0.1:1"}, std::chrono::milliseconds(500));
        auto r = c.get("/x");
        QVERIFY(!r);
        QVERIFY(r.error().kind == ErrorKind::Unavailable);
        // The next endpoint is tried when the first does not answer.
        EtcdClient two({"http://127.0.0.1:1", one_->endpoint(0)}, std::chrono::milliseconds(2000));
        QVERIFY(two.get("/x").ok());
    }

    void poolReservation() {
        EtcdClient c(one_->endpoints());
        Ipam ipam(c);
        const Pool p = smallPool("res", "10.81.200.0/24");
        QVERIFY(ipam.reservePool(p).ok());
        QVERIFY(ipam.reservePool(p).ok());   // again, same shape: fine
        auto other = ipam.reservePool(smallPool("res", "10.81.201.0/24"));
        QVERIFY(!other);
        QVERIFY(other.error().kind == ErrorKind::Rejected);
        auto outside = ipam.reservePool(smallPool("bad", "10.82.0.0/24"));
        QVERIFY(!outside);
    }

    // 8 agents allocate 40 addresses each at the same time from 512.
    void racingAgentsNeverShareAnAddress() {
        EtcdClient c(one_->endpoints(), std::chrono::seconds(10));
        Ipam ipam(c);
        const Pool p = smallPool("race", "10.81.130.0/23");
        QVERIFY(ipam.reservePool(p).ok());
        std::mutex m;
        std::map<std::string, std::string> got;   // address -> owner
        std::vector<std::string> errors;
        std::vector<std::thread> agents;
        for (int a = 0; a < 8; ++a) {
            agents.emplace_back([&, a] {
                for (int i = 0; i < 40; ++i) {
                    const std::string owner = "node-" + std::to_string(a) + "/c" + std::to_string(i);
                    // All agents start at the same spot: the worst case for collisions.
                    auto r = ipam.allocate(p, owner, 0);
                    std::lock_guard<std::mutex> lock(m);
                    if (!r) errors.push_back(r.error().message);
                    else if (!got.emplace(r.value(), owner).second) errors.push_back("duplicate " + r.value());
                }
            });
        }
        for (auto& t : agents) t.join();
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        QCOMPARE(got.size(), std::size_t(320));
        auto stored = ipam.addresses(p);
        QVERIFY(stored.ok());
        QCOMPARE(stored.value(), got);   // etcd holds exactly what was handed out, with its owner
    }

    void fullPoolIsRefused() {
        EtcdClient c(one_->endpoints());
        Ipam ipam(c);
        const Pool p = smallPool("tiny", "10.81.140.0/30");
        QCOMPARE(p.capacity(), 4u);
        for (int i = 0; i < 4; ++i) QVERIFY(ipam.allocate(p, "n/c" + std::to_string(i), i).ok());
        auto r = ipam.allocate(p, "n/c5", 0);
        QVERIFY(!r);
        QVERIFY(r.error().kind == ErrorKind::Rejected);
        QCOMPARE(r.error().message, std::string("pool tiny is full (4 addresses)"));
    }

    void releaseByOwnerOnlyAndOrphans() {
        EtcdClient c(one_->endpoints());
        Ipam ipam(c);
        const Pool p = smallPool("rel", "10.81.150.0/29");
        const std::string a = ipam.allocate(p, "n1/c1", 0).value();
        QCOMPARE(ipam.release(p, a, "n2/c9").value(), false);   // not the owner
        QCOMPARE(ipam.addresses(p).value().count(a), std::size_t(1));   // NOLINT: the temporary lives to the end of the statement
        QCOMPARE(ipam.release(p, a, "n1/c1").value(), true);
        QCOMPARE(ipam.addresses(p).value().count(a), std::size_t(0));
        QVERIFY(ipam.allocate(p, "n1/c2", 0).ok());
        QVERIFY(ipam.allocate(p, "n1/c3", 1).ok());
        QVERIFY(ipam.allocate(p, "n2/c4", 2).ok());
        // n1's cleaner: c2 still exists, c3 is gone; n2's address is not n1's business.
        QCOMPARE(ipam.releaseOrphans(p, "n1/", {"n1/c2"}).value(), 1);
        std::set<std::string> owners;
        const auto held = ipam.addresses(p);
        QVERIFY(held.ok());
        for (const auto& [addr, owner] : held.value()) owners.insert(owner);
        QCOMPARE(owners, (std::set<std::string>{"n1/c2", "n2/c4"}));
    }

    // Three members; two die: no address is handed out (the transaction
    // cannot commit) and what was allocated stays; one returns: allocation works.
    void noQuorumNoAddress() {
        EtcdCluster three(3);
        QVERIFY2(three.start(), "3-member etcd did not form");
        EtcdClient c(three.endpoints(), std::chrono::milliseconds(1500));
        Ipam ipam(c);
        const Pool p = smallPool("q", "10.81.160.0/24");
        QVERIFY(ipam.reservePool(p).ok());
        const std::string before = ipam.allocate(p, "n1/a", 0).value();
        three.stop(1);
        // 2 of 3: still a majority (once a new leader is elected, if m2 led).
        bool allocated = false;
        for (int i = 0; i < 20 && !allocated; ++i) allocated = ipam.allocate(p, "n1/b", 0).ok();
        QVERIFY(allocated);
        three.stop(2);
        auto r = ipam.allocate(p, "n1/c", 0);
        QVERIFY(!r);
        QVERIFY(r.error().kind == ErrorKind::Unavailable);
        three.startMember(2);
        QVERIFY(three.waitQuorum(std::chrono::seconds(15)));
        EtcdClient again(three.endpoints(), std::chrono::seconds(5));
        auto after = Ipam(again).allocate(p, "n1/c", 0);
        QVERIFY2(after.ok(), after.ok() ? "" : after.error().message.c_str());
        const auto stored = Ipam(again).addresses(p);
        QVERIFY(stored.ok());
        const auto& held = stored.value();
        QCOMPARE(held.size(), std::size_t(3));
        QCOMPARE(held.at(before), std::string("n1/a"));
    }
};

QTEST_GUILESS_MAIN(TstEtcdIpam)
#include "tst_etcd_ipam.moc"
