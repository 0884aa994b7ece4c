// Names (reference 7.2, 6.4): DNS names and the instance name limit.
#include <QTest>

#include "stacks/names.h"

using namespace kontena::stacks;

class TestStacksNames : public QObject {
    Q_OBJECT

private slots:
    void domains() {
        QCOMPARE(stackDomain("g", "s"), std::string("s.g.kontena.local"));
        QCOMPARE(stackDomain("g", "null"), std::string("g.kontena.local"));
        QCOMPARE(stackDomain("g", ""), std::string("g.kontena.local"));
        QCOMPARE(instanceHostname("web", 3), std::string("web-3"));
        QCOMPARE(instanceFqdn("g", "s", "web", 3), std::string("web-3.s.g.kontena.local"));
    }

    void stackServiceNames() {
        QCOMPARE(instanceDnsNames("g", "s", "svc", 2, false),
                 (std::vector<std::string>{"svc.s.g.kontena.local", "svc-2.s.g.kontena.local"}));
    }

    void exposedStackNames() {
        QCOMPARE(instanceDnsNames("g", "s", "svc", 2, true),
                 (std::vector<std::string>{"svc.s.g.kontena.local", "svc-2.s.g.kontena.local", "s.g.kontena.local",
                                           "s-2.g.kontena.local"}));
    }

    void nullStackNames() {
        QCOMPARE(instanceDnsNames("g", "null", "svc", 1, true),
                 (std::vector<std::string>{"svc.g.kontena.local", "svc-1.g.kontena.local", "svc.kontena.local",
                                           "svc-1.kontena.local"}));
    }

    // The reference's example: a 38-character name in grid test-grid, null
    // stack: 9 instances fit, 10 do not.
    void instanceNameLimit() {
        const std::string name(38, 'x');
        QCOMPARE(instanceNameLength("test-grid", "null", name, 9), std::size_t(64));
        QVERIFY(!checkInstanceNameLength("test-grid", "null", name, 9));
        auto msg = checkInstanceNameLength("test-grid", "null", name, 10);
        QVERIFY(msg);
        QCOMPARE(*msg, "Total grid service name length 65 is over limit (64): " + name + "-10.test-grid.kontena.local");
        // a stack adds "<stack>." to the name
        QVERIFY(checkInstanceNameLength("test-grid", "s", name, 9));
        QCOMPARE(kMaxInstanceNameLength, std::size_t(64));
    }
};

QTEST_GUILESS_MAIN(TestStacksNames)
#include "tst_stacks_names.moc"
