#include "observability/timeseries.h"

namespace kontena::stats {

namespace {

Instant bucketStart(Instant at, Duration width) { return Instant{at.ms - at.ms % width.ms}; }

double blend(double a, int na, double b, int nb) { return (a * na + b * nb) / (na + nb); }

std::int64_t blend(std::int64_t a, int na, std::int64_t b, int nb) {
    return static_cast<std::int64_t>((static_cast<double>(a) * na + static_cast<double>(b) * nb) / (na + nb));
}

// Moves the points of `from` older than `span` (relative to now) into
// buckets of `width` at the back of `to`.
void demote(std::deque<Point>& from, std::deque<Point>& to, Instant now, Duration span, Duration width) {
    while (!from.empty() && from.front().value.at < Instant{now.ms - span.ms}) {
        Point p = from.front();
        from.pop_front();
        const Instant start = bucketStart(p.value.at, width);
        if (!to.empty() && to.back().value.at == start) {
            fold(to.back(), p);
        } else {
            p.value.at = start;
            to.push_back(p);
        }
    }
}

}  // namespace

void fold(Point& p, const Point& s) {
    const int n = p.samples, m = s.samples;
    p.value.cpuPercent = blend(p.value.cpuPercent, n, s.value.cpuPercent, m);
    p.value.memory = blend(p.value.memory, n, s.value.memory, m);
    p.value.memoryLimit = s.value.memoryLimit;
    p.value.rxBytes = s.value.rxBytes;
    p.value.txBytes = s.value.txBytes;
    p.samples = n + m;
}

void ContainerSeries::add(const Sample& s) {
    if (!raw_.empty() && s.at < raw_.back().value.at) return;
    raw_.push_back(Point{s, 1});
    age(s.at);
}

void ContainerSeries::age(Instant now) {
    demote(raw_, minutes_, now, kRawSpan, Duration::minutes(1));
    demote(minutes_, hours_, now, kMinuteSpan, Duration::hours(1));
    while (!hours_.empty() && hours_.front().value.at < Instant{now.ms - kHourSpan.ms}) hours_.pop_front();
}

std::vector<Point> ContainerSeries::since(Instant from) const {
    std::vector<Point> out;
    for (const auto* tier : {&hours_, &minutes_, &raw_}) {
        for (const auto& p : *tier) {
            if (!(p.value.at < from)) out.push_back(p);
        }
    }
    return out;
}

}  // namespace kontena::stats
