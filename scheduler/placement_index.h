#pragma once
// Derived, incrementally maintained lookup structures for placement:
// nodes by ordinal, zones, tie-break keys and which instance records sit on
// which node. Pure data; a driver keeps one next to its ClusterState and
// updates it whenever it commits a change to nodes or instance records.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "scheduler/model.h"

namespace kontena {

// One node as placement sees it.
struct NodeEntry {
    const Node* node = nullptr;   // points into ClusterState::nodes (stable map storage)
    int zone = 0;                 // index into PlacementIndex::zones()
    double memoryRank = 0.0;      // used / total from the node's stats, 0 without stats
    std::uint64_t tieKey = 0;     // stable random priority; a pass rotates it by its offset
    // Changes whenever the node's record may have (commit, rebuild); never
    // reused, so a hash of the record can be kept for it (RescheduleMemo).
    std::uint64_t revision = 0;
};

// Node numbers in use (1..), with the lowest free one found in amortised
// constant time.
class NodeNumberPool {
public:
    // The lowest unused number >= from (may be past any limit: callers check).
    int lowestFree(int from) const;
    void use(int number, bool used);
    void clear() {
        used_.assign(1, false);
        freeHint_ = 1;
    }

private:
    std::vector<bool> used_ = std::vector<bool>(1, false);   // by number
    mutable int freeHint_ = 1;                               // every number below it is in use
};

class PlacementIndex {
public:
    PlacementIndex() = default;

    // Builds everything from `state`. `salt` feeds the tie-break keys (the
    // scenario or grid seed), so equal-rank ties differ between seeds but not
    // between runs. Keep `state` alive and its node map unchanged in shape
    // (no node added or removed) while the index is in use; call build again
    // after such a change.
    void build(const ClusterState& state, std::uint64_t salt);

    int nodeCount() const { return static_cast<int>(entries_.size()); }
    // Nodes connected now (kept in step by commit() through nodeChanged()).
    int connectedCount() const { return connected_; }
    const NodeEntry& entry(int ordinal) const { return entries_[static_cast<std::size_t>(ordinal)]; }
    // Ordinal of a node name, -1 when unknown.
    int ordinalOf(const std::string& nodeName) const;

    // Nodes online and active now, and the zones they are in: the pool ha's
    // even shares divide by (kept in step by commit() through nodeChanged()).
    int activeNodes() const { return activeNodes_; }
    int activeZones() const { return activeZones_; }
    // Ordinals by node number (numbered nodes only), ascending: the initial
    // nodes are a prefix.
    const std::vector<std::pair<int, int>>& byNumber() const { return byNumber_; }
    // An existing node's record changed (same name, so same ordinal); it was
    // connected / online and active before: keeps the counts, the pool and
    // the node's revision (a new one).
    void nodeChanged(int ordinal, bool wasConnected, bool wasActive);
    // Zeroed per-node counter arrays for placement passes to borrow (a pass
    // used to zero one of nodeCount() entries for every placement it made).
    std::vector<int> borrowCounters() const;
    void returnCounters(std::vector<int> zeroed) const;

    // A service's record by key (hashed; the state's map compares long
    // shared-prefix keys). Kept by commit() like the rest.
    const Service* serviceRecord(const std::string& key) const;
    void serviceStored(const std::string& key, const Service* record);

    // Node numbers in use, kept by every commit even while the rest of the
    // index waits for a rebuild (nodes joining one by one ask for the lowest
    // free number each time).
    const NodeNumberPool& numbers() const { return numbers_; }
    NodeNumberPool& numbers() { return numbers_; }

    const std::vector<std::string>& zones() const { return zoneNames_; }
    // Ordinals of one zone's nodes sorted by (memoryRank, tieKey): the order
    // of ha's stateless preference before a pass rotates the ties.
    const std::vector<int>& zoneOrder(int zone) const { return zoneOrder_[static_cast<std::size_t>(zone)]; }
    // [begin, end) ranges of zoneOrder(zone) with equal memoryRank, in order.
    const std::vector<std::pair<int, int>>& rankGroups(int zone) const { return rankGroups_[static_cast<std::size_t>(zone)]; }

    // Instance records by node: service key -> instance number -> the record
    // (in the ClusterState the index was built from; map storage is stable).
    // Flat maps: a node holds a few services, and syncs and checks walk them often.
    using Occupancy = boost::container::flat_map<std::string, boost::container::flat_map<int, const Instance*>>;
    const Occupancy& occupancy(int ordinal) const { return occupancy_[static_cast<std::size_t>(ordinal)]; }
    bool hostsService(int ordinal, const std::string& serviceKey) const;

    // Keep the occupancy in step with instance records.
    void recordAdded(const std::string& nodeName, const Instance& record);
    void recordRemoved(const std::string& nodeName, const std::string& serviceKey, int number);

    // Tie-break key a node gets for a stable random `salt`.
    static std::uint64_t tieKeyFor(const std::string& nodeName, std::uint64_t salt);

    // Pending or ongoing service deploys by service (ids), kept in step by
    // commit(): the re-scheduler asks this for every service on every pass.
    const std::set<std::int64_t>* activeDeploys(const std::string& serviceKey) const;
    void deployChanged(const ServiceDeploy& d);
    void buildDeploys(const ClusterState& state);

    // Change counters for memoising placement checks: bumped by commit()
    // when a service's instance records or spec change (per service) and
    // when any instance record changes (grid-wide).
    std::uint64_t serviceVersion(const std::string& serviceKey) const;
    std::uint64_t instancesVersion() const { return instancesVersion_; }
    void touchService(const std::string& serviceKey);
    void touchInstances() { ++instancesVersion_; }

private:
    void countPool(const ClusterState& state);   // build() steps
    void orderZones();

    std::vector<NodeEntry> entries_;               // ordered by node name (ClusterState order)
    std::unordered_map<std::string, int> ordinals_;   // looked up for every instance of every check
    std::vector<std::string> zoneNames_;
    std::vector<std::vector<int>> zoneOrder_;
    std::vector<std::vector<std::pair<int, int>>> rankGroups_;
    std::vector<Occupancy> occupancy_;
    int connected_ = 0;
    std::map<std::string, std::set<std::int64_t>> activeDeploys_;
    std::map<std::string, std::uint64_t> serviceVersions_;
    std::uint64_t instancesVersion_ = 0;
    std::uint64_t versionCounter_ = 0;
    int activeNodes_ = 0;
    int activeZones_ = 0;
    std::vector<int> zoneActive_;                  // active nodes per zone
    std::vector<std::pair<int, int>> byNumber_;    // (number, ordinal)
    NodeNumberPool numbers_;
    mutable std::vector<std::vector<int>> counterPool_;
    std::unordered_map<std::string, const Service*> services_;
    std::uint64_t revisionCounter_ = 0;
};

}  // namespace kontena
