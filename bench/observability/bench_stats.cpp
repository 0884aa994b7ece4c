// Statistics for many containers (issue 17): N containers sampled every
// 10 s for D simulated days into the master's bounded series; prints the
// samples per second folded in, points kept and peak memory, and the memory
// after one day next to after D days (bounded: the ratio stays near the
// tiers' ratio, not D).
// Usage: bench_stats [--containers N] [--days D]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bench/bench_util.h"
#include "observability/timeseries.h"

using namespace kontena;
using namespace kontena::stats;

int main(int argc, char** argv) {
    const int containers = kontena::bench::intOption(argc, argv, "--containers", 1000, "usage: bench_stats [--containers N] [--days D]");
    const int days = kontena::bench::intOption(argc, argv, "--days", 3, "usage: bench_stats [--containers N] [--days D]");
    std::vector<ContainerSeries> series(static_cast<std::size_t>(containers));
    const auto start = std::chrono::steady_clock::now();
    long samples = 0, rssAfterDay = 0;
    for (std::int64_t t = 0; t < static_cast<std::int64_t>(days) * 86400; t += 10) {
        for (int c = 0; c < containers; ++c) {
            Sample s;
            s.at = Instant{t * 1000};
            s.cpuPercent = static_cast<double>((t + c) % 100);
            s.memory = 1'000'000 + c;
            s.rxBytes = t * 100;
            series[static_cast<std::size_t>(c)].add(s);
            ++samples;
        }
        if (t == 86400 - 10) rssAfterDay = bench::peakRssKiB();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::size_t points = 0;
    for (const auto& s : series) points += s.points();
    std::printf("BENCH stats_samples %ld samples\n", samples);
    std::printf("BENCH stats_ingest %.0f samples/s\n", static_cast<double>(samples) / secs);
    std::printf("BENCH stats_points_kept %zu points\n", points);
    std::printf("BENCH stats_points_per_container %.0f points\n", static_cast<double>(points) / containers);
    std::printf("BENCH stats_peak_rss_after_1_day %.1f MiB\n", static_cast<double>(rssAfterDay) / 1024);
    std::printf("BENCH stats_peak_rss_after_%d_days %.1f MiB\n", days, static_cast<double>(bench::peakRssKiB()) / 1024);
    return 0;
}
