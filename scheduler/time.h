#pragma once
// Strong types for durations and instants. The core never reads a clock:
// every instant it sees was handed to it by a driver (simulator or master).

#include <compare>
#include <cstdint>
#include <string>

namespace kontena {

// A length of time in whole milliseconds.
struct Duration {
    std::int64_t ms = 0;

    constexpr Duration() = default;
    constexpr explicit Duration(std::int64_t milliseconds) : ms(milliseconds) {}

    static constexpr Duration millis(std::int64_t v) { return Duration(v); }
    static constexpr Duration seconds(std::int64_t v) { return Duration(v * 1000); }
    static constexpr Duration minutes(std::int64_t v) { return Duration(v * 60'000); }
    static constexpr Duration hours(std::int64_t v) { return Duration(v * 3'600'000); }

    constexpr auto operator<=>(const Duration&) const = default;
    constexpr Duration operator+(Duration o) const { return Duration(ms + o.ms); }
    constexpr Duration operator-(Duration o) const { return Duration(ms - o.ms); }
    constexpr Duration operator*(std::int64_t k) const { return Duration(ms * k); }
    constexpr Duration& operator+=(Duration o) { ms += o.ms; return *this; }
};

// A point in time, milliseconds since the driver's epoch (scenario start in
// the simulator, the Unix epoch in the master).
struct Instant {
    std::int64_t ms = 0;

    constexpr Instant() = default;
    constexpr explicit Instant(std::int64_t milliseconds) : ms(milliseconds) {}

    constexpr auto operator<=>(const Instant&) const = default;
    constexpr Instant operator+(Duration d) const { return Instant(ms + d.ms); }
    constexpr Instant operator-(Duration d) const { return Instant(ms - d.ms); }
    constexpr Duration operator-(Instant o) const { return Duration(ms - o.ms); }
};

// "1m30s", "250ms", "2h": the shortest exact rendering (0 is "0s").
std::string formatDuration(Duration d);

}  // namespace kontena
