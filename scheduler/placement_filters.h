#pragma once
// The placement filters, as one table (reference §4.5, §4.6).
//
// Every filter is written once, in placement_filters.cpp: its user-facing
// name (Kontena's), what it reads, when it constrains a service, its verdict
// on one node (fits, or the reason a user reads), Kontena's message when no
// node is left, and whether the fast path can evaluate it. Four consumers
// derive from that table and from nothing else:
//  - the reference pass (PlacementPass::place) runs the filters in table
//    order and records a Rejection{node, filter name, reason} per node;
//  - PlacementPass::misfit() explains why an instance does not fit a node
//    with the first filter of the table that rejects it, same reason;
//  - the fast path serves a service only when every filter that constrains
//    it says the fast path can evaluate it;
//  - the re-scheduler's memo key (controller_rescheduler.cpp) covers what
//    placementReads() says the service's filters read.
// Adding a filter is one entry in the table (see scheduler/README.md).

#include <span>
#include <string_view>

#include "scheduler/model.h"

namespace kontena {

// What a filter reads (bits). The re-scheduler keys its memo on these.
enum FilterInput : unsigned {
    kNodeConnection = 1u << 0,     // connected, connected at, last seen (with the grace periods)
    kNodeAvailability = 1u << 1,   // active or drained
    kNodeLabels = 1u << 2,         // the node's name and labels
    kNodeResources = 1u << 3,      // cpus, memory, memory statistics
    kNodeVolumeDrivers = 1u << 4,
    kVolumeInstances = 1u << 5,    // the grid's volume instances (which node holds which volume)
    kOwnRecords = 1u << 6,         // this service's instance records (which node holds which number)
    kOtherServices = 1u << 7,      // other services' instance records on the node, and their specs
    kPassPlacements = 1u << 8,     // this pass's own placements (same deploy)
    kEveryNode = 1u << 9,          // judged against every candidate node (soft affinity rules)
};

// One row of the table as other code may read it.
struct FilterDescription {
    std::string_view name;   // availability, affinity, port, ... (Rejection::filter)
    unsigned reads = 0;      // FilterInput bits it may read, for any service
};

// The filters in the order placement runs them: candidate, availability,
// ephemeral, volume-plugin, volume-instance (a preference, never a
// failure), affinity, port, cpu, memory, dependency.
std::span<const FilterDescription> placementFilters();

// What the filters that constrain `service` read (FilterInput bits): the
// union over the table of each filter that applies to it. Conservative for
// affinity rules with %i or that do not parse (everything).
unsigned placementReads(const ClusterState& state, const ServiceSpec& service);

}  // namespace kontena
