#include "scheduler/placement_index.h"

#include <algorithm>

#include <Eigen/Core>

#include "scheduler/random.h"

namespace kontena {

namespace {

// memory_rank = used / total for every node at once (0 without stats).
Eigen::ArrayXd memoryRanks(const ClusterState& state) {
    const auto count = static_cast<Eigen::Index>(state.nodes.size());
    Eigen::ArrayXd used = Eigen::ArrayXd::Zero(count);
    Eigen::ArrayXd total = Eigen::ArrayXd::Zero(count);
    Eigen::Index i = 0;
    for (const auto& [name, node] : state.nodes) {
        if (node.stats && node.stats->total > 0) {
            used[i] = static_cast<double>(node.stats->used);
            total[i] = static_cast<double>(node.stats->total);
        }
        ++i;
    }
    return (total > 0.0).select(used / total.max(1.0), 0.0);
}

}  // namespace

std::uint64_t PlacementIndex::tieKeyFor(const std::string& nodeName, std::uint64_t salt) {
    return splitmix64(stableHash(nodeName) ^ splitmix64(salt));
}

void PlacementIndex::build(const ClusterState& state, std::uint64_t salt) {
    entries_.clear();
    ordinals_.clear();
    zoneNames_.clear();
    zoneOrder_.clear();
    rankGroups_.clear();
    occupancy_.clear();
    connected_ = 0;
    for (const auto& [name, node] : state.nodes) connected_ += node.connected ? 1 : 0;
    buildDeploys(state);
    std::map<std::string, int> zoneIds;
    const Eigen::ArrayXd ranks = memoryRanks(state);
    for (const auto& [name, node] : state.nodes) {
        const std::string zone = zoneOf(node);
        auto [it, inserted] = zoneIds.emplace(zone, static_cast<int>(zoneNames_.size()));
        if (inserted) zoneNames_.push_back(zone);
        ordinals_.emplace(name, static_cast<int>(entries_.size()));
        entries_.push_back(NodeEntry{&node, it->second, ranks[static_cast<Eigen::Index>(entries_.size())], tieKeyFor(name, salt),
                                     ++revisionCounter_});
    }
    countPool(state);
    orderZones();
    occupancy_.resize(entries_.size());
    for (const auto& [key, inst] : state.instances) {
        if (inst.node) recordAdded(*inst.node, inst);
    }
}

// The active pool (ha's even shares), node numbers and service records.
void PlacementIndex::countPool(const ClusterState& state) {
    zoneActive_.assign(zoneNames_.size(), 0);
    activeNodes_ = 0;
    byNumber_.clear();
    counterPool_.clear();
    services_.clear();
    for (const auto& [key, svc] : state.services) services_.emplace(key, &svc);
    numbers_.clear();
    for (const auto& [name, node] : state.nodes) numbers_.use(node.number, true);
    for (int i = 0; i < nodeCount(); ++i) {
        const NodeEntry& e = entries_[static_cast<std::size_t>(i)];
        if (e.node->connected && e.node->availability == Availability::Active) {
            ++activeNodes_;
            ++zoneActive_[static_cast<std::size_t>(e.zone)];
        }
        if (e.node->number > 0) byNumber_.emplace_back(e.node->number, i);
    }
    activeZones_ = static_cast<int>(std::count_if(zoneActive_.begin(), zoneActive_.end(), [](int c) { return c > 0; }));
    std::sort(byNumber_.begin(), byNumber_.end());
}

// Each zone's nodes by (memoryRank, tieKey), and its groups of equal rank.
void PlacementIndex::orderZones() {
    zoneOrder_.resize(zoneNames_.size());
    for (int i = 0; i < nodeCount(); ++i) zoneOrder_[static_cast<std::size_t>(entries_[static_cast<std::size_t>(i)].zone)].push_back(i);
    for (auto& order : zoneOrder_) {
        std::sort(order.begin(), order.end(), [this](int a, int b) {
            const NodeEntry& x = entries_[static_cast<std::size_t>(a)];
            const NodeEntry& y = entries_[static_cast<std::size_t>(b)];
            if (x.memoryRank != y.memoryRank) return x.memoryRank < y.memoryRank;
            return x.tieKey < y.tieKey;
        });
    }
    rankGroups_.assign(zoneOrder_.size(), {});
    for (std::size_t z = 0; z < zoneOrder_.size(); ++z) {
        const auto& order = zoneOrder_[z];
        int begin = 0;
        for (int i = 1; i <= static_cast<int>(order.size()); ++i) {
            if (i == static_cast<int>(order.size()) ||
                entries_[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])].memoryRank !=
                    entries_[static_cast<std::size_t>(order[static_cast<std::size_t>(begin)])].memoryRank) {
                rankGroups_[z].emplace_back(begin, i);
                begin = i;
            }
        }
    }
}

int PlacementIndex::ordinalOf(const std::string& nodeName) const {
    auto it = ordinals_.find(nodeName);
    return it == ordinals_.end() ? -1 : it->second;
}

std::vector<int> PlacementIndex::borrowCounters() const {
    if (counterPool_.empty()) return std::vector<int>(static_cast<std::size_t>(nodeCount()), 0);
    std::vector<int> v = std::move(counterPool_.back());
    counterPool_.pop_back();
    return v;
}

void PlacementIndex::returnCounters(std::vector<int> zeroed) const {
    if (zeroed.size() == static_cast<std::size_t>(nodeCount()) && counterPool_.size() < 8) counterPool_.push_back(std::move(zeroed));
}

const Service* PlacementIndex::serviceRecord(const std::string& key) const {
    auto it = services_.find(key);
    return it == services_.end() ? nullptr : it->second;
}

void PlacementIndex::serviceStored(const std::string& key, const Service* record) {
    if (record) services_[key] = record;
    else services_.erase(key);
}

int NodeNumberPool::lowestFree(int from) const {
    // Every number in [1, freeHint_) is in use.
    const bool fromHint = from <= freeHint_;
    int k = fromHint ? freeHint_ : from;
    while (k < static_cast<int>(used_.size()) && used_[static_cast<std::size_t>(k)]) ++k;
    if (fromHint) freeHint_ = k;
    return k;
}

void NodeNumberPool::use(int number, bool used) {
    if (number < 1) return;
    if (static_cast<std::size_t>(number) >= used_.size()) used_.resize(static_cast<std::size_t>(number) + 1, false);
    used_[static_cast<std::size_t>(number)] = used;
    if (!used && number < freeHint_) freeHint_ = number;
}

void PlacementIndex::nodeChanged(int ordinal, bool wasConnected, bool wasActive) {
    NodeEntry& e = entries_[static_cast<std::size_t>(ordinal)];
    e.revision = ++revisionCounter_;
    connected_ += (e.node->connected ? 1 : 0) - (wasConnected ? 1 : 0);
    const bool active = e.node->connected && e.node->availability == Availability::Active;
    const int delta = (active ? 1 : 0) - (wasActive ? 1 : 0);
    if (delta == 0) return;
    activeNodes_ += delta;
    int& zone = zoneActive_[static_cast<std::size_t>(e.zone)];
    if (zone == 0) ++activeZones_;
    zone += delta;
    if (zone == 0) --activeZones_;
}

bool PlacementIndex::hostsService(int ordinal, const std::string& serviceKey) const {
    return occupancy(ordinal).count(serviceKey) != 0;
}

void PlacementIndex::recordAdded(const std::string& nodeName, const Instance& record) {
    const int ord = ordinalOf(nodeName);
    if (ord < 0) return;
    occupancy_[static_cast<std::size_t>(ord)][record.service][record.number] = &record;
}

void PlacementIndex::recordRemoved(const std::string& nodeName, const std::string& serviceKey, int number) {
    const int ord = ordinalOf(nodeName);
    if (ord < 0) return;
    auto& occ = occupancy_[static_cast<std::size_t>(ord)];
    auto it = occ.find(serviceKey);
    if (it == occ.end()) return;
    it->second.erase(number);
    if (it->second.empty()) occ.erase(it);
}

const std::set<std::int64_t>* PlacementIndex::activeDeploys(const std::string& serviceKey) const {
    auto it = activeDeploys_.find(serviceKey);
    return it == activeDeploys_.end() ? nullptr : &it->second;
}

void PlacementIndex::deployChanged(const ServiceDeploy& d) {
    if (d.state == DeployState::Pending || d.state == DeployState::Ongoing) {
        activeDeploys_[d.service].insert(d.id);
        return;
    }
    auto it = activeDeploys_.find(d.service);
    if (it == activeDeploys_.end()) return;
    it->second.erase(d.id);
    if (it->second.empty()) activeDeploys_.erase(it);
}

void PlacementIndex::buildDeploys(const ClusterState& state) {
    activeDeploys_.clear();
    for (const auto& [id, d] : state.deploys) deployChanged(d);
}

std::uint64_t PlacementIndex::serviceVersion(const std::string& serviceKey) const {
    auto it = serviceVersions_.find(serviceKey);
    return it == serviceVersions_.end() ? 0 : it->second;
}

void PlacementIndex::touchService(const std::string& serviceKey) { serviceVersions_[serviceKey] = ++versionCounter_; }

}  // namespace kontena
