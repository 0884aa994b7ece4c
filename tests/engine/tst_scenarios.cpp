// The scenario library: every file passes with three seeds, reports are
// byte-identical for the same seed, and a few explored seeds find no
// safety violation and converge after healing.
#include <QDir>
#include <algorithm>
#include <tuple>
#include <QTest>

#include "simulator/engine/engine.h"
#include "simulator/engine/explore.h"
#include "simulator/scenario.h"

using namespace kontena;
using namespace kontena::sim;

namespace {

QStringList scenarioFiles() {
    QDir dir(qEnvironmentVariable("KONTENA_SOURCE_DIR") + QStringLiteral("/scenarios"));
    QStringList out;
    for (const QString& f : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) out << dir.filePath(f);
    return out;
}

Scenario load(const QString& file) {
    auto loaded = loadScenarioFile(file.toStdString());
    if (!loaded) {
        std::string all;
        for (const auto& d : loaded.error()) all += formatDiagnostic(d) + "\n";
        qFatal("%s", all.c_str());
    }
    return std::move(loaded).value();
}

// Entries at the same instant in a canonical order; the instants themselves stay in order.
void sortWithinInstants(std::vector<TimelineEntry>& t) {
    std::stable_sort(t.begin(), t.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
        return std::tie(a.at.ms, a.kind, a.subject, a.detail) < std::tie(b.at.ms, b.kind, b.subject, b.detail);
    });
}

}  // namespace

class TestScenarios : public QObject {
    Q_OBJECT

private slots:
    void libraryIsLargeEnough() { QVERIFY2(scenarioFiles().size() >= 25, qPrintable(QString::number(scenarioFiles().size()))); }

    void everyScenarioPasses_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<quint64>("seed");
        for (const QString& f : scenarioFiles()) {
            for (quint64 seed : {1ULL, 2ULL, 3ULL}) {
                QTest::newRow(qPrintable(QFileInfo(f).baseName() + QStringLiteral("/seed-") + QString::number(seed))) << f << seed;
            }
        }
    }

    void everyScenarioPasses() {
        QFETCH(QString, file);
        QFETCH(quint64, seed);
        const Scenario sc = load(file);
        EngineOptions o;
        o.seed = seed;
        const RunReport r = runScenario(sc, o);
        QVERIFY2(!r.checks.empty(), "a scenario without checks proves nothing");
        QVERIFY2(r.passed, reportText(r, file.toStdString()).c_str());
    }

    void reportsAreByteIdentical_data() {
        QTest::addColumn<QString>("file");
        for (const QString& f : scenarioFiles()) QTest::newRow(qPrintable(QFileInfo(f).baseName())) << f;
    }

    void reportsAreByteIdentical() {
        QFETCH(QString, file);
        const Scenario sc = load(file);
        EngineOptions o;
        o.seed = 42;
        o.recordSpans = true;
        const std::string a = reportJson(runScenario(sc, o));
        const std::string b = reportJson(runScenario(sc, o));
        QCOMPARE(QString::fromStdString(a), QString::fromStdString(b));
    }

    // The re-scheduler skips checks whose inputs did not change since they
    // found nothing to do (the Controller's RescheduleMemo). Skipping must
    // change nothing: the same run with every check recomputed gives the
    // same report, here and under explore's random faults.
    void memoisedChecksChangeNothing_data() { reportsAreByteIdentical_data(); }

    void memoisedChecksChangeNothing() {
        QFETCH(QString, file);
        const Scenario sc = load(file);
        EngineOptions o;
        o.seed = 5;
        o.recordSpans = true;
        const std::string memoised = reportJson(runScenario(sc, o));
        o.memoise = false;
        QCOMPARE(QString::fromStdString(memoised), QString::fromStdString(reportJson(runScenario(sc, o))));
        for (std::uint64_t seed = 11; seed <= 13; ++seed) {
            auto text = [](const ExploreResult& r) {
                std::string t = r.violation;
                for (const auto& e : r.timeline) t += std::to_string(e.at.ms) + " " + e.kind + " " + e.subject + " " + e.detail + "\n";
                return t;
            };
            QCOMPARE(QString::fromStdString(text(exploreSeed(sc, seed, true))), QString::fromStdString(text(exploreSeed(sc, seed, false))));
        }
    }

    // Standing keepalive (answered pings not simulated one by one) gives the
    // same report as a timer, a ping and an answer per node every 30 s, but
    // for the count of queue items processed and the order in which things
    // that happen at the same instant are listed (two nodes whose pings fail
    // at the same millisecond are reported in connection order in one mode
    // and in name order in the other).
    void standingKeepaliveChangesNothing_data() { reportsAreByteIdentical_data(); }

    void standingKeepaliveChangesNothing() {
        QFETCH(QString, file);
        const Scenario sc = load(file);
        long items[2] = {0, 0};
        auto report = [&](bool standing) {
            EngineOptions o;
            o.seed = 9;
            o.recordSpans = true;
            o.standingKeepalive = standing;
            RunReport r = runScenario(sc, o);
            items[standing ? 1 : 0] = r.stats.events;
            r.stats.events = 0;
            sortWithinInstants(r.timeline);
            return reportJson(r);
        };
        const std::string standing = report(true), perPing = report(false);
        if (standing != perPing && qEnvironmentVariableIsSet("KONTENA_DUMP_DIFF")) {
            std::FILE* f = std::fopen("/tmp/standing.json", "w");
            std::fputs(standing.c_str(), f);
            std::fclose(f);
            f = std::fopen("/tmp/perping.json", "w");
            std::fputs(perPing.c_str(), f);
            std::fclose(f);
        }
        QCOMPARE(QString::fromStdString(standing), QString::fromStdString(perPing));
        QVERIFY2(items[1] < items[0], "standing keepalive should process fewer queue items");
        for (std::uint64_t seed = 21; seed <= 23; ++seed) {
            auto text = [](ExploreResult r) {
                std::string t = r.violation;
                sortWithinInstants(r.timeline);
                for (const auto& e : r.timeline) t += std::to_string(e.at.ms) + " " + e.kind + " " + e.subject + " " + e.detail + "\n";
                return t;
            };
            const std::string a = text(exploreSeed(sc, seed, true, true)), b = text(exploreSeed(sc, seed, true, false));
            if (a != b && qEnvironmentVariableIsSet("KONTENA_DUMP_DIFF")) {
                std::FILE* f = std::fopen("/tmp/standing.txt", "w");
                std::fputs(a.c_str(), f);
                std::fclose(f);
                f = std::fopen("/tmp/perping.txt", "w");
                std::fputs(b.c_str(), f);
                std::fclose(f);
            }
            QVERIFY2(a == b, qPrintable(QStringLiteral("explore seed %1").arg(seed)));
        }
    }

    void exploreFindsNoViolation_data() { reportsAreByteIdentical_data(); }

    void exploreFindsNoViolation() {
        QFETCH(QString, file);
        const Scenario sc = load(file);
        for (std::uint64_t seed = 1; seed <= 4; ++seed) {
            const ExploreResult r = exploreSeed(sc, seed);
            QVERIFY2(r.ok, qPrintable(QStringLiteral("seed %1: %2").arg(seed).arg(QString::fromStdString(r.violation))));
        }
    }
};

QTEST_GUILESS_MAIN(TestScenarios)
#include "tst_scenarios.moc"
