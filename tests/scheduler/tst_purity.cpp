// The core must stay pure: no Qt, no I/O, no threads, no clock and no
// unseeded randomness anywhere under scheduler/ (design.md).
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

class TestPurity : public QObject {
    Q_OBJECT

private:
    static QString schedulerDir() {
        return qEnvironmentVariable("KONTENA_SOURCE_DIR") + QStringLiteral("/scheduler");
    }

    // Lines of scheduler/ that match `pattern`, as "file:line: text".
    static QStringList offenders(const QRegularExpression& pattern) {
        QStringList hits;
        QDirIterator it(schedulerDir(), {QStringLiteral("*.h"), QStringLiteral("*.cpp")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) {
                hits << path + QStringLiteral(": cannot read");
                continue;
            }
            int lineNo = 0;
            while (!f.atEnd()) {
                ++lineNo;
                const QString line = QString::fromUtf8(f.readLine()).trimmed();
                if (line.startsWith(QStringLiteral("//"))) continue;
                if (pattern.match(line).hasMatch()) {
                    hits << QStringLiteral("%1:%2: %3").arg(path).arg(lineNo).arg(line);
                }
            }
        }
        return hits;
    }

private slots:
    void sourcesExist() {
        QDir dir(schedulerDir());
        QVERIFY2(dir.exists(), qPrintable(schedulerDir()));
        QVERIFY(!dir.entryList({QStringLiteral("*.cpp")}).isEmpty());
    }

    void noForbiddenHeaders_data() {
        QTest::addColumn<QString>("pattern");
        QTest::newRow("Qt") << QStringLiteral(R"(^#\s*include\s*[<\x22]Q)");
        QTest::newRow("iostream/fstream") << QStringLiteral(R"(^#\s*include\s*<(iostream|fstream|istream|ostream|cstdio|stdio\.h|filesystem)>)");
        QTest::newRow("threads") << QStringLiteral(R"(^#\s*include\s*<(thread|mutex|future|condition_variable|atomic|shared_mutex|semaphore|pthread\.h)>)");
        QTest::newRow("clocks") << QStringLiteral(R"(^#\s*include\s*<(chrono|ctime|time\.h|sys/time\.h)>)");
        QTest::newRow("system headers") << QStringLiteral(R"(^#\s*include\s*<(unistd\.h|sys/|fcntl\.h|csignal|signal\.h))");
        QTest::newRow("<random>") << QStringLiteral(R"(^#\s*include\s*<random>)");
    }

    void noForbiddenHeaders() {
        QFETCH(QString, pattern);
        const QStringList hits = offenders(QRegularExpression(pattern));
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char('\n'))));
    }

    void noClocksOrUnseededRandomness_data() {
        QTest::addColumn<QString>("pattern");
        QTest::newRow("clock::now") << QStringLiteral(R"(_clock\s*::\s*now|\bclock\s*\(\)|\btime\s*\(\s*(nullptr|NULL|0)?\s*\))");
        QTest::newRow("random_device") << QStringLiteral(R"(random_device)");
        QTest::newRow("rand()") << QStringLiteral(R"(\b(s?rand|random|drand48)\s*\()");
        QTest::newRow("std engines") << QStringLiteral(R"(\b(mt19937|default_random_engine|minstd_rand)\b)");
        QTest::newRow("getenv") << QStringLiteral(R"(\bgetenv\s*\()");
        QTest::newRow("std::cout/printf") << QStringLiteral(R"(\bstd::(cout|cerr|clog|printf|fopen)\b|\bprintf\s*\()");
    }

    void noClocksOrUnseededRandomness() {
        QFETCH(QString, pattern);
        const QStringList hits = offenders(QRegularExpression(pattern));
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char('\n'))));
    }

    // The checker itself must catch an offender (a test that can fail).
    void checkerDetectsViolation() {
        const QRegularExpression re(QStringLiteral(R"(^#\s*include\s*<(thread|mutex)>)"));
        QVERIFY(re.match(QStringLiteral("#include <thread>")).hasMatch());
        QVERIFY(!re.match(QStringLiteral("#include <vector>")).hasMatch());
    }
};

QTEST_GUILESS_MAIN(TestPurity)
#include "tst_purity.moc"
