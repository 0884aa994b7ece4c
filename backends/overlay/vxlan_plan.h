#pragma once
// The grid overlay between nodes (reference §7.1): one Linux bridge per node
// (`kontena`, holding the node's overlay address subnet|node_number and,
// later, the containers' interfaces) joined to every other node by a VXLAN
// device with a static forwarding table: one all-zeros FDB entry per peer,
// so broadcast and unknown traffic is replicated to each peer's underlay
// address, and the kernel learns the rest. The table comes from the
// master's node list, not from multicast or a gossip protocol, so it is
// exactly as current as the master's view of the grid.
//
// Pure: the commands (iproute2 argv) that build the overlay and the FDB
// changes that follow the node list; OverlayApplier runs them.

#include <set>
#include <string>
#include <vector>

#include "scheduler/ipv4.h"

namespace kontena::overlay {

struct OverlayConfig {
    std::string bridge = "kontena";
    std::string vxlan = "vxkontena";
    int vni = 4242;
    int port = 4789;           // IANA VXLAN port
    int mtu = 1450;            // 1500 less VXLAN's 50 bytes
    std::string gridSubnet = kDefaultGridSubnet;
};

struct NodeAddress {
    int number = 0;            // node number: overlay address = subnet | number
    std::string underlay;      // the node's own IP that peers reach it at
};

// One command: argv[0] is "ip" or "bridge".
using Command = std::vector<std::string>;

// "10.81.0.7/16" for node 7 of 10.81.0.0/16 (empty if the subnet is invalid
// or the number does not fit its lower half).
std::string overlayAddress(const OverlayConfig& c, int nodeNumber);

// Creates the bridge and VXLAN device of `self` and gives the bridge its
// overlay address. Run once on a node where they do not exist yet.
std::vector<Command> setupCommands(const OverlayConfig& c, const NodeAddress& self);

// Only the VXLAN device, joined to a bridge that exists already (the one
// Docker made for the `kontena` network, holding the node's overlay address).
std::vector<Command> vxlanCommands(const OverlayConfig& c, const NodeAddress& self);

// FDB changes from the peers the device has (`current` underlay addresses)
// to the peers the grid has (`desired`, `self` excluded by the caller):
// appends for new peers, deletes for gone ones, in address order.
std::vector<Command> fdbCommands(const OverlayConfig& c, const std::set<std::string>& current, const std::set<std::string>& desired);

// The underlay addresses of the all-zeros entries in `bridge fdb show dev <vxlan>` output.
std::set<std::string> parseFloodPeers(const std::string& fdbShow);

}  // namespace kontena::overlay
