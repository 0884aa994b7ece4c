#include "backends/etcd/ipam.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <charconv>

namespace kontena::etcd {

namespace {

constexpr int kTriesPerListing = 32;   // txn attempts before the used set is read again
constexpr int kListings = 4;

std::string poolJson(const Pool& p) {
    const QJsonObject o{{QStringLiteral("subnet"), QString::fromStdString(formatCidr(p.subnet))},
                        {QStringLiteral("iprange"), QString::fromStdString(formatCidr(p.range))}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

bool sameShape(const std::string& storedJson, const Pool& p) {
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(storedJson)).object();
    return o.value(QStringLiteral("subnet")).toString().toStdString() == formatCidr(p.subnet) &&
           o.value(QStringLiteral("iprange")).toString().toStdString() == formatCidr(p.range);
}

}  // namespace

// The range minus the subnet's network and broadcast addresses (when the range holds them).
std::uint32_t Pool::capacity() const {
    std::uint32_t n = range.size();
    if (range.contains(subnet.base)) --n;
    if (range.contains(subnet.base + subnet.size() - 1)) --n;
    return n;
}

std::uint32_t Pool::address(std::uint32_t i) const {
    const bool skipFirst = range.base == subnet.base;
    return range.base + i + (skipFirst ? 1 : 0);
}

Pool defaultPool(const Ipv4Net& gridSubnet) {
    Pool p;
    p.subnet = gridSubnet;
    p.range = Ipv4Net{gridSubnet.base + gridSubnet.size() / 2, gridSubnet.prefix + 1};
    return p;
}

std::string Ipam::poolKey(const std::string& pool) { return "/kontena/ipam/pools/" + pool; }

std::string Ipam::addressKey(const std::string& pool, const std::string& address) {
    return "/kontena/ipam/addresses/" + pool + "/" + address;
}

EtcdResult<Pool> Ipam::reservePool(const Pool& pool) const {
    if (!pool.subnet.contains(pool.range.base) || pool.range.prefix < pool.subnet.prefix || pool.capacity() == 0) {
        return EtcdError{ErrorKind::Rejected, "pool " + pool.name + ": range " + formatCidr(pool.range) + " is not inside subnet " +
                                                  formatCidr(pool.subnet)};
    }
    Txn t;
    t.compare.push_back(Compare::absent(poolKey(pool.name)));
    t.success.push_back(Operation::put(poolKey(pool.name), poolJson(pool)));
    auto created = etcd_.txn(t);
    if (!created) return created.error();
    if (created.value()) return pool;
    auto stored = etcd_.get(poolKey(pool.name));
    if (!stored) return stored.error();
    if (stored.value() && sameShape(stored.value()->value, pool)) return pool;
    return EtcdError{ErrorKind::Rejected, "pool " + pool.name + " exists with another subnet or range"};
}

EtcdResult<std::string> Ipam::allocate(const Pool& pool, const std::string& owner, std::uint64_t spread) const {
    const std::uint32_t capacity = pool.capacity();
    const std::string prefix = addressKey(pool.name, "");
    for (int listing = 0; listing < kListings; ++listing) {
        auto used = etcd_.prefix(prefix, true);
        if (!used) return used.error();
        std::set<std::string> taken;
        for (const auto& kv : used.value()) taken.insert(kv.key.substr(prefix.size()));
        if (taken.size() >= capacity) return EtcdError{ErrorKind::Rejected, "pool " + pool.name + " is full (" + std::to_string(capacity) + " addresses)"};
        std::uint32_t i = static_cast<std::uint32_t>((spread + static_cast<std::uint64_t>(listing) * 7919u) % capacity);
        int tries = 0;
        for (std::uint32_t walked = 0; walked < capacity && tries < kTriesPerListing; ++walked, i = (i + 1) % capacity) {
            const std::string address = formatIpv4(pool.address(i));
            if (taken.count(address)) continue;
            ++tries;
            Txn t;
            t.compare.push_back(Compare::absent(addressKey(pool.name, address)));
            t.success.push_back(Operation::put(addressKey(pool.name, address), owner));
            auto won = etcd_.txn(t);
            if (!won) return won.error();
            if (won.value()) return address;
        }
    }
    return EtcdError{ErrorKind::Unavailable, "pool " + pool.name + ": no free address could be claimed (too many agents racing)"};
}

EtcdResult<bool> Ipam::release(const Pool& pool, const std::string& address, const std::string& owner) const {
    Txn t;
    t.compare.push_back(Compare::valueIs(addressKey(pool.name, address), owner));
    t.success.push_back(Operation::del(addressKey(pool.name, address)));
    return etcd_.txn(t);
}

EtcdResult<std::map<std::string, std::string>> Ipam::addresses(const Pool& pool) const {
    const std::string prefix = addressKey(pool.name, "");
    auto all = etcd_.prefix(prefix);
    if (!all) return all.error();
    std::map<std::string, std::string> out;
    for (const auto& kv : all.value()) out.emplace(kv.key.substr(prefix.size()), kv.value);
    return out;
}

EtcdResult<int> Ipam::releaseOrphans(const Pool& pool, const std::string& nodePrefix, const std::set<std::string>& live) const {
    auto held = addresses(pool);
    if (!held) return held.error();
    int released = 0;
    for (const auto& [address, owner] : held.value()) {
        if (owner.rfind(nodePrefix, 0) != 0 || live.count(owner)) continue;
        auto r = release(pool, address, owner);
        if (!r) return r.error();
        if (r.value()) ++released;
    }
    return released;
}

}  // namespace kontena::etcd
