#pragma once
// Container statistics kept by the master (reference §11.5; issue 17): one
// bounded series per container, down-sampled with age, so 1,000 containers
// sampled every 10 s hold a fixed amount of memory however long they run.
//
//   tier      resolution   kept for   points at most
//   raw       as sampled   1 hour     360 at 10 s
//   minutes   1 minute     1 day      1,440
//   hours     1 hour       30 days    720
//
// A sample older than its tier's span is folded into the next tier's
// bucket (averages for gauges, the last value for counters); buckets older
// than 30 days are dropped. Pure: time is a value; no Qt, no I/O.

#include <cstdint>
#include <deque>
#include <vector>

#include "scheduler/time.h"

namespace kontena::stats {

struct Sample {
    Instant at;
    double cpuPercent = 0;        // gauge
    std::int64_t memory = 0;      // gauge, bytes
    std::int64_t memoryLimit = 0; // gauge, bytes (0: none)
    std::int64_t rxBytes = 0;     // counters since the container started
    std::int64_t txBytes = 0;
};

// A point of a series: the bucket's start and its values (averages of the
// gauges, the counters' last values), with how many samples it holds.
struct Point {
    Sample value;
    int samples = 0;
};

class ContainerSeries {
public:
    static constexpr Duration kRawSpan = Duration::hours(1);
    static constexpr Duration kMinuteSpan = Duration::hours(24);
    static constexpr Duration kHourSpan = Duration::hours(24 * 30);

    // Samples must come in time order; an older one than the newest is ignored.
    void add(const Sample& s);
    // Everything from `from` on, oldest first, each tier where it is the
    // finest one that still covers that time.
    std::vector<Point> since(Instant from) const;
    const Sample* latest() const { return raw_.empty() ? nullptr : &raw_.back().value; }
    std::size_t points() const { return raw_.size() + minutes_.size() + hours_.size(); }

private:
    void age(Instant now);

    std::deque<Point> raw_, minutes_, hours_;
};

// Adds `s` into bucket `p` (running averages for gauges, last for counters).
void fold(Point& p, const Point& s);

}  // namespace kontena::stats
