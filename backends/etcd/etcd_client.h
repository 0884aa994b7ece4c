#pragma once
// A client of etcd v3's JSON gateway (`/v3/...` on the client URL; etcd
// 3.4 from Debian's etcd-server): key ranges, puts, deletes, transactions
// and leases, which is what IPAM and the load balancer's state need.
//
// Blocking and thread-safe: every call is one HTTP POST done by libcurl
// with the client's timeout, tried on each endpoint in turn until one
// answers. Without quorum etcd holds writes and linearizable reads until
// the timeout, so a call then fails with EtcdError::Unavailable: callers
// treat that as "no quorum" (reference §1.3: no new addresses).
//
// Keys and values are bytes (std::string); the gateway's base64 and
// string-encoded int64s stay inside this unit.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/result.h"

namespace kontena::etcd {

enum class ErrorKind {
    Unavailable,   // no endpoint answered in time (down, or no quorum)
    Rejected,      // etcd answered with an error (bad request, ...)
    Malformed,     // an answer this client could not read
};
struct EtcdError {
    ErrorKind kind = ErrorKind::Unavailable;
    std::string message;
};
template <typename T>
using EtcdResult = Result<T, EtcdError>;

struct KeyValue {
    std::string key, value;
    std::int64_t createRevision = 0, modRevision = 0, version = 0, lease = 0;
};

// One comparison of a transaction; all must hold for `success` to run.
struct Compare {
    enum class Target { CreateRevision, ModRevision, Version, Value };
    enum class Op { Equal, NotEqual, Less, Greater };
    std::string key;
    Target target = Target::CreateRevision;
    Op op = Op::Equal;
    std::int64_t number = 0;   // for the revision/version targets
    std::string value;         // for Target::Value

    static Compare absent(std::string key) { return Compare{std::move(key), Target::CreateRevision, Op::Equal, 0, {}}; }
    static Compare valueIs(std::string key, std::string v) { return Compare{std::move(key), Target::Value, Op::Equal, 0, std::move(v)}; }
};

struct Operation {
    enum class Kind { Put, Delete, Get };
    Kind kind = Kind::Put;
    std::string key, value;
    std::int64_t lease = 0;
    static Operation put(std::string k, std::string v, std::int64_t lease = 0) { return {Kind::Put, std::move(k), std::move(v), lease}; }
    static Operation del(std::string k) { return {Kind::Delete, std::move(k), {}, 0}; }
};

// A member of the cluster (/v3/cluster/member/list). Ids are uint64 kept as text.
struct Member {
    std::string id;
    std::string name;   // empty: added but never started
    std::vector<std::string> peerUrls, clientUrls;
};

struct Txn {
    std::vector<Compare> compare;
    std::vector<Operation> success, failure;
};

class EtcdClient {
public:
    // `endpoints` like "http://127.0.0.1:2379"; tried in order.
    explicit EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~EtcdClient();
    EtcdClient(const EtcdClient&) = delete;
    EtcdClient& operator=(const EtcdClient&) = delete;

    EtcdResult<std::optional<KeyValue>> get(const std::string& key) const;
    // Every key starting with `prefix`, in key order (values omitted when keysOnly).
    EtcdResult<std::vector<KeyValue>> prefix(const std::string& prefix, bool keysOnly = false) const;
    // The revision of the write.
    EtcdResult<std::int64_t> put(const std::string& key, const std::string& value, std::int64_t lease = 0) const;
    // How many keys were deleted (0 or 1).
    EtcdResult<std::int64_t> remove(const std::string& key) const;
    // Whether the comparisons held (and so `success` ran).
    EtcdResult<bool> txn(const Txn& t) const;
    // A lease of `ttl` seconds; its id.
    EtcdResult<std::int64_t> grantLease(std::int64_t ttlSeconds) const;
    EtcdResult<bool> keepAlive(std::int64_t lease) const;
    // The raft term of the endpoint's cluster; Unavailable while it knows no leader.
    EtcdResult<std::int64_t> leaderTerm() const;
    // The endpoint's own view (a serializable status: answers without quorum): the leader's id, "0" if none.
    EtcdResult<std::string> leader() const;

    // Cluster membership (a replacement initial node joining, reference §1.3).
    EtcdResult<std::vector<Member>> members() const;
    // Adds a member that will start with --initial-cluster-state=existing; its id.
    EtcdResult<std::string> addMember(const std::string& peerUrl) const;
    EtcdResult<bool> removeMember(const std::string& id) const;

    // The smallest key greater than every key starting with `prefix`.
    static std::string rangeEnd(const std::string& prefix);

private:
    struct Transport;
    std::unique_ptr<Transport> transport_;
};

}  // namespace kontena::etcd
