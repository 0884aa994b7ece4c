// Statistics series: bounded however long a container runs, down-sampled
// with age (averages for gauges, last values for counters), queries across
// tiers in time order, and the statsd lines.
#include <QTest>

#include "observability/statsd.h"
#include "observability/timeseries.h"

using namespace kontena;
using namespace kontena::stats;

namespace {

Sample at(std::int64_t seconds, double cpu, std::int64_t mem, std::int64_t rx) {
    Sample s;
    s.at = Instant{seconds * 1000};
    s.cpuPercent = cpu;
    s.memory = mem;
    s.rxBytes = rx;
    return s;
}

}  // namespace

class TstStatsSeries : public QObject {
    Q_OBJECT
private slots:
    // 31 days of 10 s samples: at most 360 raw + 1,440 minute + 720 hour points (plus open buckets).
    void boundedOverAMonth() {
        ContainerSeries s;
        const std::int64_t end = 31LL * 24 * 3600;
        std::size_t most = 0;
        for (std::int64_t t = 0; t < end; t += 10) {
            s.add(at(t, 50, 1000, t));
            most = std::max(most, s.points());
        }
        QVERIFY2(most <= 360 + 1440 + 720 + 3, qPrintable(QString::number(most)));
        // raw: the last hour; minutes: the 23 hours before; hours: the 29 days before that.
        QVERIFY2(s.points() >= 360 + 1380 + 695, qPrintable(QString::number(s.points())));
        const auto all = s.since(Instant{0});
        QVERIFY(all.front().value.at >= Instant{(end - 30LL * 24 * 3600 - 3600) * 1000});   // older than 30 days: dropped
        for (std::size_t i = 1; i < all.size(); ++i) QVERIFY(all[i - 1].value.at < all[i].value.at);   // time order across tiers
        QCOMPARE(s.latest()->rxBytes, end - 10);
    }

    void downSamplingAveragesGaugesKeepsLastCounter() {
        ContainerSeries s;
        // One minute of samples alternating 0 and 100 % CPU, then enough time for them to age out of raw.
        for (int i = 0; i < 6; ++i) s.add(at(i * 10, i % 2 ? 100 : 0, 100 * (i + 1), 1000 + i));
        s.add(at(3600 + 120, 7, 7, 7));
        const auto pts = s.since(Instant{0});
        QCOMPARE(pts.size(), std::size_t(2));
        QCOMPARE(pts[0].samples, 6);
        QCOMPARE(pts[0].value.at, Instant{0});
        QCOMPARE(pts[0].value.cpuPercent, 50.0);
        QCOMPARE(pts[0].value.memory, std::int64_t(350));
        QCOMPARE(pts[0].value.rxBytes, std::int64_t(1005));
        QCOMPARE(pts[1].value.cpuPercent, 7.0);
    }

    void outOfOrderSampleIgnored() {
        ContainerSeries s;
        s.add(at(100, 1, 1, 1));
        s.add(at(50, 2, 2, 2));
        QCOMPARE(s.points(), std::size_t(1));
        QCOMPARE(s.since(Instant{60 * 1000}).size(), std::size_t(1));
        QCOMPARE(s.since(Instant{101 * 1000}).size(), std::size_t(0));
    }

    void statsdLines() {
        Sample x = at(0, 12.345, 2048, 10);
        x.txBytes = 20;
        const std::string d = statsdDatagram("kontena", ContainerId{"prod", "shop", "web.1:x", 2}, x);
        QCOMPARE(d, std::string("kontena.prod.shop.web_1_x.2.cpu_percent:12.35|g\n"
                                "kontena.prod.shop.web_1_x.2.memory_bytes:2048|g\n"
                                "kontena.prod.shop.web_1_x.2.network_rx_bytes:10|g\n"
                                "kontena.prod.shop.web_1_x.2.network_tx_bytes:20|g\n"));
    }
};

QTEST_GUILESS_MAIN(TstStatsSeries)
#include "tst_stats_series.moc"
