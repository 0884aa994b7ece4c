#pragma once
// IPAM in etcd (reference §7.1): the grid's container addresses come from a
// pool (default `kontena`: subnet 10.81.0.0/16, range the upper half
// 10.81.128.0/17) and each address handed out is one etcd key, created in a
// transaction that succeeds only if the key is absent. So no address is
// ever given twice, however many agents allocate at once, and without etcd
// quorum nothing is handed out at all (the transaction cannot commit).
//
// Layout (as Kontena's ipam-plugin):
//   /kontena/ipam/pools/<pool>               {"subnet": "...", "iprange": "..."}
//   /kontena/ipam/addresses/<pool>/<a.b.c.d> the owner ("<node>/<container>")

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "backends/etcd/etcd_client.h"
#include "scheduler/ipv4.h"

namespace kontena::etcd {

using kontena::Ipv4Net;
using kontena::parseCidr;
using kontena::parseIpv4;
using kontena::formatIpv4;
using kontena::formatCidr;

struct Pool {
    std::string name = "kontena";
    Ipv4Net subnet;   // the containers' netmask
    Ipv4Net range;    // what is handed out; inside subnet
    // The addresses of `range` that may be handed out (not the subnet's
    // network or broadcast address), in order.
    std::uint32_t capacity() const;
    std::uint32_t address(std::uint32_t i) const;
};
// Kontena's default pool of a grid subnet: the upper half.
Pool defaultPool(const Ipv4Net& gridSubnet);

class Ipam {
public:
    explicit Ipam(const EtcdClient& etcd) : etcd_(etcd) {}

    // Records the pool once; a second reservation with the same subnet and
    // range is fine, a different one is refused (Rejected).
    EtcdResult<Pool> reservePool(const Pool& pool) const;
    // One free address of `pool` for `owner`. `spread` picks where the
    // search starts (agents pass something of their own, e.g. a hash of the
    // container name, so racing agents rarely try the same address).
    // Errors: Unavailable (no quorum), Rejected when the pool is full.
    EtcdResult<std::string> allocate(const Pool& pool, const std::string& owner, std::uint64_t spread) const;
    // Releases `address` if `owner` holds it; false if someone else does or nobody.
    EtcdResult<bool> release(const Pool& pool, const std::string& address, const std::string& owner) const;
    // Every address handed out, with its owner.
    EtcdResult<std::map<std::string, std::string>> addresses(const Pool& pool) const;
    // The cleaner (every 3 min on each agent): releases the addresses whose
    // owner starts with `nodePrefix` ("<node>/") but is not in `live`. Returns how many.
    EtcdResult<int> releaseOrphans(const Pool& pool, const std::string& nodePrefix, const std::set<std::string>& live) const;

    static std::string poolKey(const std::string& pool);
    static std::string addressKey(const std::string& pool, const std::string& address);

private:
    const EtcdClient& etcd_;
};

}  // namespace kontena::etcd
