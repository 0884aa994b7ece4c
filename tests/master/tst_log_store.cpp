// The master's durable log store: filters (stack, service, instance, since),
// tail and follow by id, retention by count and age, and no acknowledged
// line lost when a writer process is killed with SIGKILL mid-stream (the
// test re-runs itself as the writer).
#include <QCoreApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cstdio>

#include "master/log_store.h"

using namespace kontena::master;

namespace {

LogLine line(const QString& stack, const QString& service, int instance, qint64 at, const QString& text) {
    LogLine l;
    l.grid = QStringLiteral("g");
    l.stack = stack;
    l.service = service;
    l.instance = instance;
    l.node = QStringLiteral("n1");
    l.atMs = at;
    l.text = text;
    return l;
}

LogQuery gridQuery(const QString& grid, int limit = 100) {
    LogQuery q;
    q.grid = grid;
    q.limit = limit;
    return q;
}

// Writer mode: append batches of 50 forever, printing the last id of each committed batch.
int runWriter(const QString& dir) {
    LogStore s;
    QString error;
    if (!s.open(dir, &error)) return 3;
    for (int batch = 0;; ++batch) {
        std::vector<LogLine> lines;
        for (int i = 0; i < 50; ++i) lines.push_back(line(QStringLiteral("s"), QStringLiteral("w"), 1, batch, QStringLiteral("line %1").arg(i)));
        if (!s.append(lines)) return 4;
        std::printf("acked %lld\n", static_cast<long long>(lines.back().id));
        std::fflush(stdout);
    }
}

}  // namespace

class TstLogStore : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    LogStore store_;

private slots:
    void initTestCase() {
        QString error;
        QVERIFY2(store_.open(dir_.path(), &error), qPrintable(error));
        std::vector<LogLine> lines;
        for (int i = 1; i <= 30; ++i) {
            lines.push_back(line(QStringLiteral("shop"), i % 2 ? QStringLiteral("web") : QStringLiteral("db"), 1 + i % 3, 1000 * i,
                                 QStringLiteral("l%1").arg(i)));
        }
        QVERIFY(store_.append(lines));
        QCOMPARE(lines.front().id, std::int64_t(1));
        QCOMPARE(lines.back().id, std::int64_t(30));
    }

    void filtersAndTail() {
        LogQuery q{QStringLiteral("g"), QStringLiteral("shop"), QStringLiteral("web"), std::nullopt, std::nullopt, std::nullopt, 5};
        auto got = store_.query(q);
        QCOMPARE(got.size(), std::size_t(5));
        QCOMPARE(got.front().text, QStringLiteral("l21"));   // the newest five web lines, oldest first
        QCOMPARE(got.back().text, QStringLiteral("l29"));
        q.instance = 2;   // l1, l7, l13, l19, l25 (i % 2 == 1 and 1 + i % 3 == 2)
        q.limit = 100;
        got = store_.query(q);
        QCOMPARE(got.size(), std::size_t(5));
        QCOMPARE(got.front().text, QStringLiteral("l1"));
        q.sinceMs = 13000;
        QCOMPARE(store_.query(q).size(), std::size_t(3));
        const LogQuery other = gridQuery(QStringLiteral("other"));
        QVERIFY(store_.query(other).empty());
    }

    void followAfterId() {
        LogQuery q = gridQuery(QStringLiteral("g"));
        q.afterId = 28;
        auto got = store_.query(q);
        QCOMPARE(got.size(), std::size_t(2));
        std::vector<LogLine> more{line(QStringLiteral("shop"), QStringLiteral("web"), 1, 99000, QStringLiteral("new"))};
        QVERIFY(store_.append(more));
        q.afterId = got.back().id;
        got = store_.query(q);
        QCOMPARE(got.size(), std::size_t(1));
        QCOMPARE(got.front().text, QStringLiteral("new"));
    }

    void retention() {
        QTemporaryDir dir;
        LogStore s;
        QString error;
        QVERIFY(s.open(dir.path(), &error));
        std::vector<LogLine> lines;
        for (int i = 0; i < 100; ++i) lines.push_back(line(QStringLiteral("s"), QStringLiteral("a"), 1, i * 1000, QStringLiteral("x")));
        QVERIFY(s.append(lines));
        // Older than 60 s at now = 100 s: lines 0..39 go; then at most 50 lines.
        QCOMPARE(s.enforce(LogRetention{50, 60000}, 100000), std::int64_t(40 + 10));
        QCOMPARE(s.count(QStringLiteral("g")), std::int64_t(50));
        const auto left = s.query(gridQuery(QStringLiteral("g"), 1000));
        QCOMPARE(left.front().atMs, qint64(50000));
    }

    // The event log: kept per grid, the newest read back after reopening
    // (a restart), trimmed by count and age.
    void eventsReadBackAndTrimmed() {
        QTemporaryDir dir;
        QString error;
        {
            LogStore s;
            QVERIFY2(s.open(dir.path(), &error), qPrintable(error));
            std::vector<EventLine> events;
            for (int i = 0; i < 30; ++i) {
                events.push_back(EventLine{i % 3 ? QStringLiteral("g") : QStringLiteral("h"), 1000 * i, QStringLiteral("instance_placed"),
                                           QStringLiteral("web/app-%1").arg(i), QStringLiteral("on n%1").arg(i % 4)});
            }
            QVERIFY(s.appendEvents(events));
            QVERIFY(s.appendEvents({}));
        }
        LogStore again;
        QVERIFY2(again.open(dir.path(), &error), qPrintable(error));
        auto g = again.recentEvents(QStringLiteral("g"), 5);   // g has 20; the newest 5, oldest first
        QCOMPARE(int(g.size()), 5);
        QCOMPARE(g.front().subject, QStringLiteral("web/app-23"));   // g: i % 3 != 0
        QCOMPARE(g.back().subject, QStringLiteral("web/app-29"));
        QCOMPARE(g.back().atMs, qint64(29000));
        QCOMPARE(g.back().detail, QStringLiteral("on n1"));
        QCOMPARE(int(again.recentEvents(QStringLiteral("h"), 100).size()), 10);
        QVERIFY(again.recentEvents(QStringLiteral("none"), 100).empty());
        // At now = 30 s with a 10 s age limit: events before 20 s go; then at most 4 a grid.
        LogRetention r;
        r.maxAgeMs = 10000;
        r.maxEventsPerGrid = 4;
        again.enforce(r, 30000);
        g = again.recentEvents(QStringLiteral("g"), 100);
        QCOMPARE(int(g.size()), 4);
        QCOMPARE(g.front().atMs, qint64(25000));
        QCOMPARE(int(again.recentEvents(QStringLiteral("h"), 100).size()), 3);   // 21, 24, 27
    }

    // kill -9 of a writer: every batch it acknowledged is there after reopening.
    void killedWriterLosesNothingAcknowledged() {
        QTemporaryDir dir;
        for (int round = 0; round < 3; ++round) {
            QProcess writer;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("KONTENA_LOG_WRITER"), dir.path());
            writer.setProcessEnvironment(env);
            writer.start(QCoreApplication::applicationFilePath(), {});
            QVERIFY(writer.waitForStarted());
            QByteArray out;
            while (out.count('\n') < 20 + round * 7 && writer.waitForReadyRead(5000)) out += writer.readAllStandardOutput();
            ::kill(static_cast<pid_t>(writer.processId()), SIGKILL);
            writer.waitForFinished();
            out += writer.readAllStandardOutput();
            const QList<QByteArray> acks = out.trimmed().split('\n');
            QVERIFY(acks.size() >= 20);
            const qint64 lastAcked = acks.back().mid(6).toLongLong();
            LogStore s;
            QString error;
            QVERIFY2(s.open(dir.path(), &error), qPrintable(error));
            LogQuery q = gridQuery(QStringLiteral("g"));
            q.afterId = lastAcked - 1;
            const auto got = s.query(q);
            QVERIFY2(!got.empty() && got.front().id == lastAcked, qPrintable(QStringLiteral("acked %1 missing").arg(lastAcked)));
            // Ids are dense (nothing deleted): every acknowledged line is there.
            QVERIFY(s.count(QStringLiteral("g")) >= lastAcked);
        }
    }
};

int main(int argc, char** argv) {
    const QByteArray writerDir = qgetenv("KONTENA_LOG_WRITER");
    QCoreApplication app(argc, argv);
    if (!writerDir.isEmpty()) return runWriter(QString::fromLocal8Bit(writerDir));
    TstLogStore t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_log_store.moc"
