#pragma once
// Carries out vxlan_plan.h's commands with iproute2 (`ip`, `bridge`), on the
// node itself or inside a network namespace (the tests' nodes). Blocking:
// the agent calls it from its runtime worker. Idempotent: setup does
// nothing when the bridge exists, syncPeers changes only what differs from
// the device's current forwarding table.

#include <set>
#include <string>

#include "backends/overlay/vxlan_plan.h"
#include "scheduler/result.h"

namespace kontena::overlay {

struct Done {};

class OverlayApplier {
public:
    explicit OverlayApplier(OverlayConfig c, std::string netns = {}) : c_(std::move(c)), netns_(std::move(netns)) {}

    // Builds the overlay of `self` unless its bridge exists already.
    Result<Done> ensureSetup(const NodeAddress& self) const;
    // Adds the VXLAN device of `self` to the existing bridge unless it is there.
    Result<Done> ensureVxlan(const NodeAddress& self) const;
    // Makes the flood entries exactly `peers` (underlay addresses); how many entries changed.
    Result<int> syncPeers(const std::set<std::string>& peers) const;
    // The peers the device floods to now.
    Result<std::set<std::string>> peers() const;
    // Removes the VXLAN device and the bridge (errors ignored when absent).
    void teardown() const;

    // Runs one command (in the namespace when set); its standard output.
    Result<std::string> run(const Command& c) const;

private:
    OverlayConfig c_;
    std::string netns_;
};

}  // namespace kontena::overlay
