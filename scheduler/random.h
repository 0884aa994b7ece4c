#pragma once
// The core's only source of randomness: a seeded xoshiro256** generator of
// our own, so every standard library produces the same sequence.

#include <array>
#include <cstdint>
#include <string_view>

namespace kontena {

// splitmix64 step: used to expand seeds and to derive stable per-key values.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// FNV-1a over bytes: a stable hash for names (std::hash is not portable).
constexpr std::uint64_t stableHash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& word : s_) {
            x = splitmix64(x);
            word = x;
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, bound); bound must be > 0. Lemire's method without
    // rejection bias.
    std::uint64_t below(std::uint64_t bound) {
        std::uint64_t threshold = (0 - bound) % bound;
        for (;;) {
            std::uint64_t r = next();
            __extension__ using u128 = unsigned __int128;
            u128 m = static_cast<u128>(r) * bound;
            if (static_cast<std::uint64_t>(m) >= threshold) {
                return static_cast<std::uint64_t>(m >> 64);
            }
        }
    }

    // Uniform double in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // A generator for a sub-stream, stable for the same (this state, key).
    Rng fork(std::uint64_t key) { return Rng(next() ^ splitmix64(key)); }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

}  // namespace kontena
