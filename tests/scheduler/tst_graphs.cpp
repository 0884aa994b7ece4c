// Deploy order, stack order and affinity contradictions (Boost.Graph).
#include <QTest>

#include <algorithm>

#include "harness.h"
#include "scheduler/graphs.h"

using namespace kontena;
using namespace kontena::test;

namespace {

ServiceSpec linked(const std::string& name, std::vector<std::string> links) {
    auto s = makeService("app", name, 1);
    for (auto& l : links) s.links.push_back(Link{"", l, l});
    return s;
}

int pos(const std::vector<std::string>& order, const std::string& name) {
    return static_cast<int>(std::find(order.begin(), order.end(), name) - order.begin());
}

bool mentions(const std::vector<AffinityConflict>& cs, const std::string& text) {
    return std::any_of(cs.begin(), cs.end(), [&](const AffinityConflict& c) { return c.message.find(text) != std::string::npos; });
}

}  // namespace

class TestGraphs : public QObject {
    Q_OBJECT

private slots:
    void referenceExampleOrder() {
        // api->{redis,postgres,lb}, sidekiq->{redis,postgres}, redis->{lb}
        const auto order = serviceDeployOrder({linked("api", {"redis", "postgres", "lb"}), linked("sidekiq", {"redis", "postgres"}),
                                               linked("redis", {"lb"}), linked("postgres", {}), linked("lb", {})});
        QVERIFY(order.ok());
        const auto& o = order.value();
        QCOMPARE(o.size(), std::size_t(5));
        QVERIFY(pos(o, "lb") < pos(o, "redis"));
        QVERIFY(pos(o, "redis") < pos(o, "api") && pos(o, "postgres") < pos(o, "api"));
        QVERIFY(pos(o, "redis") < pos(o, "sidekiq") && pos(o, "postgres") < pos(o, "sidekiq"));
        QVERIFY(pos(o, "postgres") < 2 && pos(o, "lb") < 2);   // no links: first
        QCOMPARE(o[2], std::string("redis"));                    // one transitive link, before the two with three
    }

    void crossStackLinksDoNotOrder() {
        auto a = makeService("app", "a", 1);
        a.links.push_back(Link{"other", "db", "db"});
        QVERIFY(serviceDeployOrder({a}).ok());
    }

    void missingAndRecursiveLinks() {
        const auto missing = serviceDeployOrder({linked("api", {"redis"})});
        QVERIFY(!missing.ok());
        QCOMPARE(QString::fromStdString(missing.error().message), QStringLiteral("service api has missing links: redis"));
        const auto cycle = serviceDeployOrder({linked("a", {"b"}), linked("b", {"c"}), linked("c", {"a"})});
        QVERIFY(!cycle.ok());
        QVERIFY2(cycle.error().message.find("has recursive links: a -> b -> c -> a") != std::string::npos, cycle.error().message.c_str());
        const auto self = serviceDeployOrder({linked("a", {"a"})});
        QVERIFY(!self.ok());
        QVERIFY(self.error().message.find("service a has recursive links: a -> a") != std::string::npos);
    }

    void stackDependencies() {
        const auto order = dependencyOrder({{"app", {"app-redis", "app-db"}}, {"app-redis", {}}, {"app-db", {"app-db-backup"}},
                                            {"app-db-backup", {}}}, "stack");
        QVERIFY(order.ok());
        QCOMPARE(order.value().back(), std::string("app"));
        QVERIFY(pos(order.value(), "app-db-backup") < pos(order.value(), "app-db"));
        const auto cycle = dependencyOrder({{"a", {"b"}}, {"b", {"a"}}}, "stack");
        QVERIFY(!cycle.ok());
        QCOMPARE(QString::fromStdString(cycle.error().message), QStringLiteral("stacks depend on each other: a -> b -> a"));
        QVERIFY(!dependencyOrder({{"a", {"zzz"}}}, "stack").ok());
    }

    void affinityContradictions() {
        auto a = makeService("app", "a", 1);
        auto b = makeService("app", "b", 1);
        a.affinity = {"service==b"};
        b.affinity = {"service!=a"};
        QVERIFY(mentions(affinityConflicts({a, b}), "app/a requires the nodes of app/b, but app/b excludes the nodes of app/a"));
        b.affinity = {"service==a"};
        QVERIFY(mentions(affinityConflicts({a, b}), "in a cycle"));
        a.affinity = {"service==b", "service!=b"};
        b.affinity = {};
        QVERIFY(mentions(affinityConflicts({a, b}), "both requires and excludes"));
        a.affinity = {"service==a"};
        QVERIFY(mentions(affinityConflicts({a, b}), "its first instance can never be placed"));
        a.affinity = {"service!=a", "service==b", "service==~c"};   // one per node, next to b: fine
        QVERIFY(affinityConflicts({a, b}).empty());
        a.affinity = {"service==other/b"};   // other stack: no such service here, no conflict
        QVERIFY(affinityConflicts({a, b}).empty());
    }
};

QTEST_GUILESS_MAIN(TestGraphs)
#include "tst_graphs.moc"
