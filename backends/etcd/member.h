#pragma once
// How an etcd member of the grid is started (reference §1.3): the agent of
// each initial node runs one, the cluster formed from the master's list of
// initial nodes; a replacement initial node joins an existing cluster. The
// command line is a pure function so the agent and the tests start members
// the same way.

#include <string>
#include <vector>

namespace kontena::etcd {

struct MemberConfig {
    std::string name;        // "node-1"
    std::string dataDir;
    std::string clientUrl;   // "http://127.0.0.1:2379"
    std::string peerUrl;     // "http://127.0.0.1:2380"
    // Every member of the initial cluster as name=peerUrl, this one included.
    std::vector<std::pair<std::string, std::string>> initialCluster;
    bool joinExisting = false;   // a replacement joining a running cluster
    std::string clusterToken = "kontena";
    int heartbeatMs = 100;
    int electionMs = 1000;
};

// Arguments for /usr/bin/etcd (etcd-server 3.4), program name excluded.
std::vector<std::string> memberArguments(const MemberConfig& c);

}  // namespace kontena::etcd
