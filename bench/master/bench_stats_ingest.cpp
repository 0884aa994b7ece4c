// Statistics through the master's ingest path (issue 17: "stats for 1,000
// containers sampled every 10 s with master RSS bounded"): each sample is
// what an agent sends, a /containers/stat notification frame, decoded as
// the master decodes it (protocol::decode, containerStatFromJson,
// sampleOf) and kept by the grid's GridStats (the series the stats routes
// read). Simulated time: samples carry their own times, so hours of 10 s
// rounds run in seconds. Prints the samples per second and the process's
// peak RSS after 1 hour, 6 hours and the whole run.
// Not measured here: the WebSocket and the instance lookup (one pass over
// the grid's instances per sample in AgentSessions::onContainerStat).
// Usage: bench_stats_ingest [--containers N] [--hours H]
#include <QCoreApplication>
#include <QDateTime>
#include <QTimeZone>

#include <chrono>
#include <cstdio>

#include "bench/bench_util.h"
#include "master/grid_stats.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"

using namespace kontena;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const char* usage = "usage: bench_stats_ingest [--containers N] [--hours H]";
    const int containers = bench::intOption(argc, argv, "--containers", 1000, usage);
    const int hours = bench::intOption(argc, argv, "--hours", 24, usage);
    master::GridStats stats;
    stats.setGrid(QStringLiteral("bench"));
    QList<QString> names;
    for (int c = 0; c < containers; ++c) names.append(QStringLiteral("web.app-%1").arg(c + 1));
    const qint64 start = QDateTime::fromString(QStringLiteral("2026-01-01T00:00:00Z"), Qt::ISODate).toMSecsSinceEpoch();
    const auto t0 = std::chrono::steady_clock::now();
    long samples = 0, rss1h = 0, rss6h = 0;
    for (qint64 t = 0; t < qint64(hours) * 3600; t += 10) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(start + t * 1000, QTimeZone::utc());
        for (int c = 0; c < containers; ++c) {
            const protocol::ContainerStat st{QStringLiteral("id"), names[c], double((t + c) % 100), 1'000'000 + c, 64'000'000, t * 100, t * 50, at};
            const QByteArray frame = protocol::encode(protocol::Frame::notification(QString::fromLatin1(protocol::method::kContainersStat),
                                                                                    protocol::params(protocol::toJson(st))));
            const auto decoded = protocol::decode(frame);
            const protocol::ContainerStat in = protocol::containerStatFromJson(protocol::payloadOf(decoded->params));
            stats.addContainer("web/app", c + 1, in.name, QStringLiteral("node-1"), master::sampleOf(in, Instant(start + t * 1000)));
            ++samples;
        }
        if (t == 3600 - 10) rss1h = bench::peakRssKiB();
        if (t == 6 * 3600 - 10) rss6h = bench::peakRssKiB();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("BENCH stats_ingest_master_path %.0f samples/s\n", double(samples) / secs);
    std::printf("BENCH stats_ingest_samples %ld samples\n", samples);
    std::printf("BENCH stats_ingest_peak_rss_after_1h %.1f MiB\n", double(rss1h) / 1024);
    std::printf("BENCH stats_ingest_peak_rss_after_6h %.1f MiB\n", double(rss6h) / 1024);
    std::printf("BENCH stats_ingest_peak_rss_after_%dh %.1f MiB\n", hours, double(bench::peakRssKiB()) / 1024);
    std::printf("BENCH stats_ingest_containers_kept %zu containers\n", stats.containers());
    return 0;
}
