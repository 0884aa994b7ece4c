// The fast placement path for stateless ha services (see placement.h).
//
// In one pass every node's counter only grows, and ha always takes the
// smallest (zone counter, node counter, rank, tie-break). So within a zone
// the nodes are taken round by round ("levels") in (rank, tie-break) order:
// a cursor per zone walks that order lazily and yields the zone's best node.
// The node that already holds the instance (rank − 5) is checked on the side.
#include <algorithm>

#include "scheduler/placement_internal.h"

namespace kontena {

struct PlacementPass::Impl::Fast {
    struct Zone {
        int level = 0;
        std::size_t group = 0;       // rank group being walked (level 0)
        int step = 0;                // position in the rotated group
        int rotation = -1;           // first position of the rotation, -1: not computed
        std::size_t pos = 0;         // position in `compact` (levels >= 1)
        std::vector<int> compact;    // statically eligible nodes in walk order
        bool exhausted = false;
    };
    std::vector<std::int8_t> status;   // by ordinal: 0 unknown, 1 eligible, 2 not
    std::vector<Zone> zones;
    std::vector<long> zoneCounter;     // sum of counters of eligible, non-excluded nodes
    bool exclusive = false;            // a node takes at most one instance (ports, service!=self)
};

PlacementPass::Impl::~Impl() {
    delete fast;
    if (counters.empty()) return;
    for (const auto& [ord, number] : placements) counters[static_cast<std::size_t>(ord)] = 0;   // zeroed again for the next pass
    index.returnCounters(std::move(counters));
}

// ha and stateless (the strategy the fast path walks), and every filter
// that constrains the service says the fast path can evaluate it.
bool PlacementPass::Impl::fastEligible() const {
    return mode == PlacementMode::Auto && svc.strategy == Strategy::Ha && !svc.stateful &&
           std::all_of(filters.begin(), filters.end(), [&](const Filter* f) { return f->fastPath(needs); });
}

bool PlacementPass::Impl::passesAll(int ord, int number) {
    for (const Filter* f : filters) {
        if (f->hard && (f->fits ? !f->fits(*this, ord, number) : f->verdict(*this, ord, number).has_value())) return false;
    }
    return true;
}

bool PlacementPass::Impl::staticEligible(int ord) {
    auto& st = fast->status[static_cast<std::size_t>(ord)];
    if (st == 0) {
        ignorePass = true;
        st = passesAll(ord, 0) ? 1 : 2;
        ignorePass = false;
    }
    return st == 1;
}

namespace {

// First position of the rotation of one rank group: nodes whose tie key is
// >= the pass seed come first (tie-break = tieKey - seed, wrapping).
int rotationStart(const PlacementIndex& index, const std::vector<int>& order, std::pair<int, int> group, std::uint64_t seed) {
    auto first = order.begin() + group.first;
    auto last = order.begin() + group.second;
    auto it = std::lower_bound(first, last, seed, [&](int ord, std::uint64_t s) { return index.entry(ord).tieKey < s; });
    const int pos = static_cast<int>(it - first);
    return pos == group.second - group.first ? 0 : pos;
}

}  // namespace

void PlacementPass::Impl::startFast() {
    fast = new Fast;
    fast->status.assign(static_cast<std::size_t>(index.nodeCount()), 0);
    fast->zones.resize(index.zones().size());
    fast->zoneCounter.assign(index.zones().size(), 0);
    fast->exclusive = !needs.nodePorts.empty() || needs.selfAnti;
    ensureActiveRules();
    // Placements assumed from earlier steps of the same deploy count in their zones.
    // (One per placement: the counters' sum without walking every node.)
    for (const auto& [ord, number] : placements) {
        if (!fast->exclusive && staticEligible(ord)) ++fast->zoneCounter[static_cast<std::size_t>(index.entry(ord).zone)];
    }
}

// Level 0 walks the zone's rank groups, each rotated by the pass seed, and
// yields the first eligible node this pass has not used; later levels walk
// the eligible nodes again for those used `level` times.
int PlacementPass::Impl::fastZoneBest(int z) {
    auto excluded = [&](int ord) { return fast->exclusive && countOn(ord) > 0; };
    Fast::Zone& zone = fast->zones[static_cast<std::size_t>(z)];
    const auto& order = index.zoneOrder(z);
    const auto& groups = index.rankGroups(z);
    while (!zone.exhausted) {
        if (zone.level == 0) {
            while (zone.group < groups.size()) {
                const auto group = groups[zone.group];
                const int size = group.second - group.first;
                if (zone.rotation < 0) zone.rotation = rotationStart(index, order, group, seed);
                while (zone.step < size) {
                    const int ord = order[static_cast<std::size_t>(group.first + (zone.rotation + zone.step) % size)];
                    if (staticEligible(ord)) {
                        if (!excluded(ord) && countOn(ord) == 0) return ord;
                        zone.compact.push_back(ord);
                    }
                    ++zone.step;
                }
                ++zone.group;
                zone.step = 0;
                zone.rotation = -1;
            }
            zone.level = 1;
            zone.pos = 0;
            if (zone.compact.empty()) zone.exhausted = true;
            continue;
        }
        while (zone.pos < zone.compact.size()) {
            const int ord = zone.compact[zone.pos];
            if (!excluded(ord) && countOn(ord) == zone.level) return ord;
            ++zone.pos;
        }
        if (std::none_of(zone.compact.begin(), zone.compact.end(), [&](int o) { return !excluded(o); })) {
            zone.exhausted = true;
            break;
        }
        ++zone.level;
        zone.pos = 0;
    }
    return -1;
}

std::optional<int> PlacementPass::Impl::fastPlace(int number) {
    if (!fast) startFast();
    const auto r = recordNode(number);
    const bool rCandidate = r && passesAll(*r, number);
    const bool rStatic = r && staticEligible(*r);
    std::vector<long> zc = fast->zoneCounter;
    if (rCandidate && !rStatic) zc[static_cast<std::size_t>(index.entry(*r).zone)] += countOn(*r);

    int best = -1;
    std::tuple<long, int, double, std::uint64_t> bestKey;
    auto consider = [&](int ord) {
        auto key = std::make_tuple(zc[static_cast<std::size_t>(index.entry(ord).zone)], countOn(ord), rank(ord, number), tieBreak(ord));
        if (best < 0 || key < bestKey) {
            best = ord;
            bestKey = key;
        }
    };
    for (int z = 0; z < static_cast<int>(fast->zones.size()); ++z) {
        const int top = fastZoneBest(z);
        if (top >= 0) consider(top);
    }
    if (rCandidate) consider(*r);
    if (best < 0) return std::nullopt;
    if (!fast->exclusive && staticEligible(best)) ++fast->zoneCounter[static_cast<std::size_t>(index.entry(best).zone)];
    return best;
}

}  // namespace kontena
