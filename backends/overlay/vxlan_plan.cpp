#include "backends/overlay/vxlan_plan.h"

#include <sstream>

#include "scheduler/ipv4.h"

namespace kontena::overlay {

namespace {
const std::string kFlood = "00:00:00:00:00:00";
}

std::string overlayAddress(const OverlayConfig& c, int nodeNumber) {
    const auto net = parseCidr(c.gridSubnet);
    const auto address = net ? nodeOverlayAddress(*net, nodeNumber) : std::nullopt;
    return address ? formatIpv4(*address) + "/" + std::to_string(net->prefix) : std::string();
}

std::vector<Command> setupCommands(const OverlayConfig& c, const NodeAddress& self) {
    const std::string mtu = std::to_string(c.mtu);
    return {
        {"ip", "link", "add", c.bridge, "type", "bridge"},
        {"ip", "link", "add", c.vxlan, "type", "vxlan", "id", std::to_string(c.vni), "dstport", std::to_string(c.port), "local",
         self.underlay, "nolearning"},
        {"ip", "link", "set", c.vxlan, "master", c.bridge},
        {"ip", "link", "set", c.vxlan, "mtu", mtu},
        {"ip", "link", "set", c.bridge, "mtu", mtu},
        {"ip", "addr", "add", overlayAddress(c, self.number), "dev", c.bridge},
        {"ip", "link", "set", c.vxlan, "up"},
        {"ip", "link", "set", c.bridge, "up"},
    };
}

std::vector<Command> vxlanCommands(const OverlayConfig& c, const NodeAddress& self) {
    return {
        {"ip", "link", "add", c.vxlan, "type", "vxlan", "id", std::to_string(c.vni), "dstport", std::to_string(c.port), "local",
         self.underlay, "nolearning"},
        {"ip", "link", "set", c.vxlan, "mtu", std::to_string(c.mtu)},
        {"ip", "link", "set", c.vxlan, "master", c.bridge},
        {"ip", "link", "set", c.vxlan, "up"},
    };
}

std::vector<Command> fdbCommands(const OverlayConfig& c, const std::set<std::string>& current, const std::set<std::string>& desired) {
    std::vector<Command> out;
    for (const auto& gone : current) {
        if (!desired.count(gone)) out.push_back({"bridge", "fdb", "del", kFlood, "dev", c.vxlan, "dst", gone});
    }
    for (const auto& added : desired) {
        if (!current.count(added)) out.push_back({"bridge", "fdb", "append", kFlood, "dev", c.vxlan, "dst", added});
    }
    return out;
}

std::set<std::string> parseFloodPeers(const std::string& fdbShow) {
    std::set<std::string> peers;
    std::istringstream lines(fdbShow);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string mac, word;
        words >> mac;
        if (mac != kFlood) continue;
        while (words >> word) {
            if (word == "dst" && words >> word) peers.insert(word);
        }
    }
    return peers;
}

}  // namespace kontena::overlay
