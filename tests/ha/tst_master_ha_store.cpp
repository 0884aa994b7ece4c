// The store on a real PostgreSQL (started by the test) and the lease's
// fencing: the same rows as on SQLite, transactions, a restart reading
// back; a deposed leader's late write refused by the term it holds; the
// containers' logs shared between masters.
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include "master/cluster_lease.h"
#include "master/log_store.h"
#include "master/store.h"
#include "tests/ha/postgres_harness.h"

using namespace kontena::master;
using kontena::testing::PostgresServer;

namespace {

QByteArray bodyOf(const std::vector<GridRow>& rows, const QString& kind, const QString& id) {
    for (const GridRow& r : rows) {
        if (r.kind == kind && r.id == id) return r.body;
    }
    return {};
}

}  // namespace

class TestMasterHaStore : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    PostgresServer pg_;

    // Makes the lease of `grid` expire now (as if its holder stopped renewing long ago).
    void expireLease(const QString& grid) {
        QSqlDatabase db = pg_.connect(QStringLiteral("test-expire"));
        QSqlQuery q(db);
        q.prepare(QStringLiteral("UPDATE grid_leases SET expires = clock_timestamp() - make_interval(secs => 1) WHERE grid = ?"));
        q.addBindValue(grid);
        QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
        QCOMPARE(q.numRowsAffected(), 1);
    }

private slots:
    void initTestCase() {
        if (PostgresServer::binDir().isEmpty()) QSKIP("no PostgreSQL server binaries (scripts/install-deps.sh installs postgresql)");
        QVERIFY(dir_.isValid());
        const QString error = pg_.start(dir_.filePath(QStringLiteral("pg")));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void badUrlsAreClearErrors() {
        Store s;
        QString error;
        QVERIFY(!s.open(QStringLiteral("postgresql://kontena@127.0.0.1:1/postgres"), &error));
        QVERIFY2(error.contains(QLatin1String("cannot open the store at 127.0.0.1:1/postgres")), qPrintable(error));
        Store t;
        QVERIFY(!t.open(QStringLiteral("postgresql://kontena@127.0.0.1"), &error));
        QVERIFY2(error.contains(QLatin1String("postgresql://USER@HOST:PORT/DATABASE")), qPrintable(error));
    }

    // Rows, documents and the audit log as on SQLite; a second open (a restart) reads them back.
    void rowsSurviveARestart() {
        {
            Store s;
            QString error;
            QVERIFY2(s.open(pg_.url(), &error), qPrintable(error));
            QVERIFY(s.postgres());
            QVERIFY(s.writeGridRows(QStringLiteral("g1"), {{QStringLiteral("node"), QStringLiteral("n1"), "{\"a\":1}"},
                                                          {QStringLiteral("node"), QStringLiteral("n2"), "{\"a\":2}"}}, false));
            QVERIFY(s.writeGridRows(QStringLiteral("g1"), {{QStringLiteral("node"), QStringLiteral("n1"), "{\"a\":3}"},
                                                          {QStringLiteral("node"), QStringLiteral("n2"), {}, true}}, false));
            QVERIFY(s.put(QStringLiteral("user"), QStringLiteral("admin"), QJsonObject{{QStringLiteral("v"), 1}}));
            QVERIFY(s.put(QStringLiteral("user"), QStringLiteral("admin"), QJsonObject{{QStringLiteral("v"), 2}}));
            for (int i = 0; i < 3; ++i) QVERIFY(s.appendAudit(QStringLiteral("g1"), QJsonObject{{QStringLiteral("i"), i}}));
            // A failed statement rolls the whole transaction back: nothing of it is stored.
            QVERIFY(s.database().transaction());
            QVERIFY(s.putGridRows(QStringLiteral("g1"), {{QStringLiteral("node"), QStringLiteral("n9"), "{}"}}, false));
            QVERIFY(!QSqlQuery(s.database()).exec(QStringLiteral("SELECT no_such_column FROM grid_rows")));
            s.database().rollback();
        }
        Store again;
        QString error;
        QVERIFY2(again.open(pg_.url(), &error), qPrintable(error));
        const auto rows = again.gridRows(QStringLiteral("g1"));
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(bodyOf(rows, QStringLiteral("node"), QStringLiteral("n1")), QByteArray("{\"a\":3}"));
        QCOMPARE(again.get(QStringLiteral("user"), QStringLiteral("admin"))->value(QStringLiteral("v")).toInt(), 2);
        const auto audit = again.audit(QStringLiteral("g1"), 2);
        QCOMPARE(audit.size(), 2);
        QCOMPARE(audit.at(0).value(QStringLiteral("i")).toInt(), 1);   // the newest two, oldest first
        QCOMPARE(audit.at(1).value(QStringLiteral("i")).toInt(), 2);
        QVERIFY(again.removeGrid(QStringLiteral("g1")));
        QVERIFY(again.gridRows(QStringLiteral("g1")).empty());
    }

    // Two masters' leases on one grid: the second takes over an expired
    // lease with the next term; the first, still believing it leads, has
    // its write refused by the fence and steps down; what the new leader
    // wrote stays.
    void deposedLeadersWriteIsRefused() {
        Store a, b;
        QString error;
        QVERIFY2(a.open(pg_.url(), &error), qPrintable(error));
        QVERIFY2(b.open(pg_.url(), &error), qPrintable(error));
        ClusterLease la(a, {QStringLiteral("http://127.0.0.1:1"), std::chrono::seconds(60)});
        ClusterLease lb(b, {QStringLiteral("http://127.0.0.1:2"), std::chrono::seconds(60)});
        a.setFence([&](const QString& grid) { return la.fence(grid); });
        b.setFence([&](const QString& grid) { return lb.fence(grid); });
        const QString grid = QStringLiteral("fenced");
        QSignalSpy acquiredA(&la, &ClusterLease::acquired), lostA(&la, &ClusterLease::lost);
        QVERIFY(la.acquire(grid));
        QCOMPARE(acquiredA.size(), 1);
        QCOMPARE(la.term(grid), qint64(1));
        QVERIFY(!lb.acquire(grid));   // held and unexpired: no takeover
        QVERIFY(a.writeGridRows(grid, {{QStringLiteral("node"), QStringLiteral("n1"), "from-a-term-1"}}, false));
        QVERIFY(!b.writeGridRows(grid, {{QStringLiteral("node"), QStringLiteral("n1"), "from-b-unleased"}}, false));

        expireLease(grid);
        QVERIFY(lb.acquire(grid));
        QCOMPARE(lb.term(grid), qint64(2));
        QVERIFY(b.writeGridRows(grid, {{QStringLiteral("node"), QStringLiteral("n1"), "from-b-term-2"}}, false));
        QVERIFY(la.leads(grid));   // A has not noticed: it would write as leader
        QVERIFY(!a.writeGridRows(grid, {{QStringLiteral("node"), QStringLiteral("n1"), "late-from-a"},
                                        {QStringLiteral("node"), QStringLiteral("n2"), "late-from-a"}}, false));
        QVERIFY2(a.lastError().contains(QLatin1String("no longer holds the lease")), qPrintable(a.lastError()));
        QVERIFY(!la.leads(grid));
        QVERIFY(lostA.wait(2000));   // the step down, once the transaction is over
        // The deferred path (agents' changes, one group commit) and removing the grid are fenced alike.
        bool committed = true;
        a.defer(this, [&] { return a.putGridRows(grid, {{QStringLiteral("node"), QStringLiteral("n3"), "late-from-a"}}, false); },
                [&](bool ok) { committed = ok; });
        QVERIFY(!a.flushDeferred());
        QVERIFY(!committed);
        QVERIFY(!a.removeGrid(grid));
        const auto rows = b.gridRows(grid);
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(bodyOf(rows, QStringLiteral("node"), QStringLiteral("n1")), QByteArray("from-b-term-2"));
        // A renewing now learns it lost; the lease row names B, term 2.
        QVERIFY(!la.acquire(grid));
        la.poll();
        QCOMPARE(la.leaderUrl(grid), QStringLiteral("http://127.0.0.1:2"));
        QVERIFY(b.removeGrid(grid));
        lb.release(grid);
    }

    // Takeover and renewal use the database's clock: a renewal keeps the
    // term; a leader whose lease ran out on its own clock steps down.
    void renewKeepsTheTermAndExpiryStepsDown() {
        Store a;
        QString error;
        QVERIFY2(a.open(pg_.url(), &error), qPrintable(error));
        ClusterLease la(a, {QStringLiteral("http://127.0.0.1:3"), std::chrono::milliseconds(600)});
        const QString grid = QStringLiteral("renewed");
        QVERIFY(la.acquire(grid));
        const qint64 term = la.term(grid);
        QVERIFY(la.acquire(grid));
        QCOMPARE(la.term(grid), term);
        QSignalSpy lost(&la, &ClusterLease::lost);
        QTest::qWait(700);
        la.poll();   // more than the lease since the last renew: steps down, then takes it again (nobody else)
        QCOMPARE(lost.size(), 1);
        QVERIFY(la.leads(grid));
        QCOMPARE(la.term(grid), term);   // the same holder: nobody else wrote meanwhile
        la.release(grid);
    }

    // Containers' logs in the shared store: what one master was sent, another
    // reads (a grid's next leader), with logs.db's filters, ids and retention.
    void logsAreShared() {
        Store s1, s2;
        QString error;
        QVERIFY2(s1.open(pg_.url(), &error) && s2.open(pg_.url(), &error), qPrintable(error));
        LogStore one, two;
        QVERIFY2(one.openShared(s1.database().connectionName(), &error), qPrintable(error));
        QVERIFY2(two.openShared(s2.database().connectionName(), &error), qPrintable(error));
        QVERIFY(one.isOpen() && one.shared());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        std::vector<LogLine> batch;
        for (int i = 0; i < 50; ++i) {
            LogLine l;
            l.grid = QStringLiteral("logs");
            l.stack = QStringLiteral("web");
            l.service = i % 2 ? QStringLiteral("app") : QStringLiteral("db");
            l.instance = 1 + i % 3;
            l.node = QStringLiteral("n1");
            l.stream = i % 5 ? QStringLiteral("stdout") : QStringLiteral("stderr");
            l.atMs = now - 1000 + i;
            l.text = QStringLiteral("line %1 \"quoted\" \\ ünïcode \t tab").arg(i);
            batch.push_back(l);
        }
        batch[7].text = QStringLiteral("binary ") + QChar(u'\0') + QStringLiteral(" output");   // PostgreSQL's text has no NUL
        QVERIFY2(one.append(batch), qPrintable(one.lastError()));
        for (std::size_t i = 1; i < batch.size(); ++i) QVERIFY(batch[i].id > batch[i - 1].id);   // in the batch's order
        QCOMPARE(two.count(QStringLiteral("logs")), 50);
        LogQuery q;
        q.grid = QStringLiteral("logs");
        q.limit = 5;
        auto tail = two.query(q);   // the newest 5, oldest first
        QCOMPARE(int(tail.size()), 5);
        QCOMPARE(tail.back().id, batch.back().id);
        QCOMPARE(tail.back().text, batch.back().text);
        QCOMPARE(tail.back().atMs, batch.back().atMs);
        QCOMPARE(tail.front().id, batch[45].id);
        LogQuery seventh;
        seventh.grid = QStringLiteral("logs");
        seventh.afterId = batch[6].id;
        seventh.oldestFirst = true;
        seventh.limit = 1;
        QCOMPARE(two.query(seventh).front().text, QStringLiteral("binary ") + QChar(0xFFFD) + QStringLiteral(" output"));
        q.stack = QStringLiteral("web");
        q.service = QStringLiteral("app");
        q.instance = 2;
        q.limit = 100;
        const auto app2 = two.query(q);
        int expected = 0;
        for (const LogLine& l : batch) expected += l.service == QLatin1String("app") && l.instance == 2;
        QCOMPARE(int(app2.size()), expected);
        for (const LogLine& l : app2) QVERIFY(l.service == QLatin1String("app") && l.instance == 2);
        LogQuery after;
        after.grid = QStringLiteral("logs");
        after.afterId = batch[9].id;
        after.oldestFirst = true;
        after.limit = 3;
        const auto next = two.query(after);   // following: the three after line 9
        QCOMPARE(int(next.size()), 3);
        QCOMPARE(next.front().id, batch[10].id);
        // Retention: the newest 20 kept, then everything older than a second ago goes.
        QCOMPARE(two.enforce(LogRetention{20, 3'600'000}, now), 30);
        QCOMPARE(one.count(QStringLiteral("logs")), 20);
        QCOMPARE(one.query(q).size() > 0, true);
        QCOMPARE(one.enforce(LogRetention{1'000'000, 500}, now), 20);
        QCOMPARE(two.count(QStringLiteral("logs")), 0);
        // The event log too: what one master stored, the other reads back.
        std::vector<EventLine> events;
        for (int i = 0; i < 12; ++i) events.push_back(EventLine{QStringLiteral("logs"), now + i, QStringLiteral("node_online"), QStringLiteral("n%1").arg(i), {}});
        events[3].detail = QStringLiteral("with ") + QChar(u'\0');
        QVERIFY2(one.appendEvents(events), qPrintable(one.lastError()));
        const auto back = two.recentEvents(QStringLiteral("logs"), 10);
        QCOMPARE(int(back.size()), 10);
        QCOMPARE(back.front().subject, QStringLiteral("n2"));
        QCOMPARE(back.back().subject, QStringLiteral("n11"));
        QCOMPARE(back.back().atMs, now + 11);
        QCOMPARE(back[1].detail, QStringLiteral("with ") + QChar(0xFFFD));
    }

    void cleanupTestCase() { pg_.stop(); }
};

QTEST_GUILESS_MAIN(TestMasterHaStore)
#include "tst_master_ha_store.moc"
