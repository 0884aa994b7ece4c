#pragma once
// The re-scheduler's memo: which services' "is it misplaced?" checks found
// nothing to do, and with which inputs (see scheduler/README.md).
//
// Ownership: the Controller keeps one RescheduleMemo next to the state and
// the index. decide() only reads it; what a re-scheduler pass learned
// travels in Decision::memo (plain data), and Controller::commit() applies
// it. A decision that is never committed teaches the memo nothing: the next
// pass checks again. The memo is derived data: a pass that consults it
// decides exactly what a pass that recomputes every check decides
// (tests/engine/tst_scenarios memoisedChecksChangeNothing).

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kontena {

// Which inputs a clean check's fingerprint covers (derived from what the
// service's filters read, placementReads()).
enum class CheckScope {
    OwnNodes,                 // its own nodes only (they erase the entry when they change), ha's even shares
    EveryNode,                // every node as placement sees it
    EveryNodeAndInstance,     // every node and every instance record (filters read other services)
};

struct CleanCheck {
    std::uint64_t fingerprint = 0;
    CheckScope scope = CheckScope::EveryNode;
};

// One node as the last pass saw it: the hash of its record for the index's
// `revision` of it, and its placement fingerprint per strategy (ha, daemon,
// random).
struct NodeSeen {
    std::uint64_t revision = 0;
    std::uint64_t recordHash = 0;
    std::array<std::uint64_t, 3> placement{};
};

// What one decision learned; applied by Controller::commit in this order.
struct RescheduleMemoUpdate {
    std::vector<std::pair<std::string, NodeSeen>> nodes;   // nodes that changed since the last pass, by name
    std::vector<std::string> voided;                        // OwnNodes entries of services on those nodes
    std::vector<std::pair<std::string, std::optional<CleanCheck>>> checks;   // per service: clean (remember) or not (forget)
    bool empty() const { return nodes.empty() && voided.empty() && checks.empty(); }
};

class RescheduleMemo {
public:
    // Off: passes neither consult nor remember (tests compare on and off).
    bool enabled() const { return enabled_; }
    void setEnabled(bool on);

    // The clean check remembered for a service, if any.
    const CleanCheck* check(const std::string& service) const;
    // The node as the last pass saw it, if it did.
    const NodeSeen* node(const std::string& name) const;

    void apply(const RescheduleMemoUpdate& update);

private:
    bool enabled_ = true;
    std::map<std::string, CleanCheck> checks_;
    std::unordered_map<std::string, NodeSeen> nodes_;
};

}  // namespace kontena
