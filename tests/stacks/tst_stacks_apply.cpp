// The shared stack-apply path (stacks/apply.h): the order a stack tree is
// installed in, what each core event carries, and the refusal policy (stop
// at the first refusal: a parent is never applied without its children).
#include <QTest>

#include <optional>
#include <string>
#include <vector>

#include "stacks/apply.h"

using kontena::Refusal;
using kontena::RefusalKind;
using kontena::stacks::Stack;
using kontena::stacks::StackService;
using kontena::stacks::StackApplyStep;
using kontena::stacks::stackApplySteps;
using kontena::stacks::applyStackTree;

namespace {

Stack makeStack(const std::string& name, std::vector<std::string> services, std::vector<Stack> children = {}) {
    Stack s;
    s.name = name;
    for (const auto& n : services) {
        StackService svc;
        svc.spec.name = n;
        svc.spec.stack = "as-written";   // replaced by the instance name on apply
        svc.spec.image = "busybox:1";
        s.services.push_back(svc);
    }
    s.dependencies = std::move(children);
    return s;
}

// web depends on web-db (which depends on web-db-backup) and web-cache.
Stack tree() {
    return makeStack("web", {"app"},
                     {makeStack("web-db", {"pg"}, {makeStack("web-db-backup", {"cron"})}), makeStack("web-cache", {"redis", "sentinel"})});
}

}  // namespace

class TestStacksApply : public QObject {
    Q_OBJECT

private slots:
    void childrenComeBeforeTheirParent() {
        const Stack root = tree();
        const auto steps = stackApplySteps(root, true);
        QCOMPARE(steps.size(), std::size_t(4));
        const std::vector<std::string> order{steps[0].event.stack, steps[1].event.stack, steps[2].event.stack, steps[3].event.stack};
        QVERIFY(order == (std::vector<std::string>{"web-db-backup", "web-db", "web-cache", "web"}));
        QCOMPARE(steps[0].parent, std::string("web-db"));
        QCOMPARE(steps[2].parent, std::string("web"));
        QVERIFY(steps[3].parent.empty());
        QVERIFY(steps[3].stack == &root);
        QVERIFY((steps[3].event.dependsOn == std::vector<std::string>{"web-db", "web-cache"}));
        QVERIFY((steps[1].event.dependsOn == std::vector<std::string>{"web-db-backup"}));
        QVERIFY(steps[2].event.dependsOn.empty());
    }

    void onlyTheRootDeploys() {
        const Stack root = tree();
        for (bool deploy : {true, false}) {
            const auto steps = stackApplySteps(root, deploy);
            for (std::size_t i = 0; i + 1 < steps.size(); ++i) QVERIFY(!steps[i].event.deploy);
            QCOMPARE(steps.back().event.deploy, deploy);
        }
    }

    void servicesBelongToTheirStackInstance() {
        const Stack root = tree();
        const auto steps = stackApplySteps(root, true);
        QCOMPARE(steps[2].event.services.size(), std::size_t(2));
        for (const auto& step : steps) {
            for (const auto& spec : step.event.services) QCOMPARE(spec.stack, step.event.stack);
        }
        QCOMPARE(steps[2].event.services[1].key(), std::string("web-cache/sentinel"));
    }

    // The core checks the stack's volumes (only external ones that exist, §5.3).
    void stackVolumesGoToTheCore() {
        Stack root = makeStack("db", {"pg"});
        kontena::stacks::StackVolume data;
        data.name = "data";
        data.external = true;
        data.externalName = "pgdata";
        kontena::stacks::StackVolume scratch;
        scratch.name = "scratch";
        scratch.externalName = "scratch";
        root.volumes = {data, scratch};
        const auto steps = stackApplySteps(root, true);
        QCOMPARE(steps.size(), std::size_t(1));
        const auto& volumes = steps[0].event.volumes;
        QCOMPARE(volumes.size(), std::size_t(2));
        QVERIFY(volumes[0].name == "data" && volumes[0].external && volumes[0].externalName == "pgdata");
        QVERIFY(volumes[1].name == "scratch" && !volumes[1].external);
    }

    void everyStackIsAppliedWhenNothingIsRefused() {
        std::vector<std::string> seen;
        const auto refused = applyStackTree(tree(), true, [&](const StackApplyStep& s) -> std::optional<Refusal> {
            seen.push_back(s.event.stack);
            return std::nullopt;
        });
        QVERIFY(!refused);
        QCOMPARE(seen.size(), std::size_t(4));
    }

    void theFirstRefusalStopsTheInstall() {
        std::vector<std::string> seen;
        const auto refused = applyStackTree(tree(), true, [&](const StackApplyStep& s) -> std::optional<Refusal> {
            seen.push_back(s.event.stack);
            if (s.event.stack == "web-db") return Refusal{RefusalKind::Invalid, "web-db is cyclic"};
            if (s.event.stack == "web-cache") return Refusal{RefusalKind::NoQuorum, "not this one"};
            return std::nullopt;
        });
        QVERIFY(refused);
        QCOMPARE(refused->message, std::string("web-db is cyclic"));
        QVERIFY(refused->kind == RefusalKind::Invalid);
        QVERIFY((seen == std::vector<std::string>{"web-db-backup", "web-db"}));   // neither web-cache nor web
    }

    void anyRefusalTypeWorks() {
        int calls = 0;
        const auto refused = applyStackTree(tree(), false, [&](const StackApplyStep&) -> std::optional<std::string> {
            ++calls;
            return std::string("no");
        });
        QCOMPARE(refused.value_or(std::string()), std::string("no"));
        QCOMPARE(calls, 1);
    }
};

QTEST_GUILESS_MAIN(TestStacksApply)
#include "tst_stacks_apply.moc"
