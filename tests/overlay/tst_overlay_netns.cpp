// The overlay between real namespace nodes: three nodes built from the
// plan reach each other's overlay addresses only across VXLAN (their
// underlay is a different subnet); a node that leaves the node list is
// dropped from the others' forwarding tables and becomes unreachable on the
// overlay; setup and sync are idempotent. Also the plan's pure parts.
#include <QCoreApplication>
#include <QTest>

#include "backends/overlay/overlay_applier.h"
#include "netns_nodes.h"

using namespace kontena::overlay;
using kontena::testing::NetnsNodes;

namespace {

std::set<std::string> peersOf(const NetnsNodes& n, int self, const std::vector<int>& members) {
    std::set<std::string> out;
    for (int m : members) {
        if (m != self) out.insert(n.underlayAddress(m));
    }
    return out;
}

}  // namespace

class TstOverlayNetns : public QObject {
    Q_OBJECT
private slots:
    void plan() {
        OverlayConfig c;
        QCOMPARE(overlayAddress(c, 7), std::string("10.81.0.7/16"));
        QCOMPARE(overlayAddress(c, 32767), std::string("10.81.127.255/16"));
        QVERIFY(overlayAddress(c, 32768).empty());   // the upper half is the containers' pool
        QVERIFY(overlayAddress(c, 0).empty());
        const auto cmds = fdbCommands(c, {"192.0.2.2", "192.0.2.3"}, {"192.0.2.3", "192.0.2.4"});
        QCOMPARE(cmds.size(), std::size_t(2));
        QCOMPARE(cmds[0], (Command{"bridge", "fdb", "del", "00:00:00:00:00:00", "dev", "vxkontena", "dst", "192.0.2.2"}));
        QCOMPARE(cmds[1], (Command{"bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vxkontena", "dst", "192.0.2.4"}));
        const std::string shown = "00:00:00:00:00:00 dst 192.0.2.2 self permanent\n"
                                  "6a:1b:2c:3d:4e:5f dst 192.0.2.3 self\n"
                                  "00:00:00:00:00:00 dst 192.0.2.9 via vxkontena self permanent\n";
        QCOMPARE(parseFloodPeers(shown), (std::set<std::string>{"192.0.2.2", "192.0.2.9"}));
    }

    void threeNodesAcrossTheOverlay() {
        NetnsNodes nodes(3);
        QVERIFY2(nodes.ok(), "could not create network namespaces (needs root and iproute2)");
        std::vector<OverlayApplier> appliers;
        for (int i = 1; i <= 3; ++i) appliers.emplace_back(OverlayConfig{}, nodes.node(i));
        for (int i = 1; i <= 3; ++i) {
            auto setup = appliers[i - 1].ensureSetup(NodeAddress{i, nodes.underlayAddress(i)});
            QVERIFY2(setup.ok(), setup.ok() ? "" : setup.error().message.c_str());
            QVERIFY(appliers[i - 1].ensureSetup(NodeAddress{i, nodes.underlayAddress(i)}).ok());   // again: nothing to do
            auto synced = appliers[i - 1].syncPeers(peersOf(nodes, i, {1, 2, 3}));
            QVERIFY2(synced.ok(), synced.ok() ? "" : synced.error().message.c_str());
            QCOMPARE(synced.value(), 2);
        }
        for (int from = 1; from <= 3; ++from) {
            for (int to = 1; to <= 3; ++to) {
                if (from != to) QVERIFY2(nodes.ping(from, "10.81.0." + std::to_string(to)), "overlay ping failed");
            }
        }
        QCOMPARE(appliers[0].syncPeers(peersOf(nodes, 1, {1, 2, 3})).value(), 0);   // in sync: no change

        // Node 3 leaves the grid: the others drop it from their tables.
        QCOMPARE(appliers[0].syncPeers(peersOf(nodes, 1, {1, 2})).value(), 1);
        QCOMPARE(appliers[1].syncPeers(peersOf(nodes, 2, {1, 2})).value(), 1);
        QCOMPARE(appliers[0].peers().value(), (std::set<std::string>{"192.0.2.2"}));
        QVERIFY(nodes.ping(1, "10.81.0.2"));
        QVERIFY(!nodes.ping(1, "10.81.0.3"));

        // A partition: node 2's underlay link is cut, the overlay to it with it.
        QVERIFY(nodes.setLink(2, false));
        QVERIFY(!nodes.ping(1, "10.81.0.2"));
        QVERIFY(nodes.setLink(2, true));
        bool back = false;
        for (int i = 0; i < 5 && !back; ++i) back = nodes.ping(1, "10.81.0.2");
        QVERIFY(back);
    }
};

QTEST_GUILESS_MAIN(TstOverlayNetns)
#include "tst_overlay_netns.moc"
