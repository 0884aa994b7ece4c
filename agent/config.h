#pragma once
// AgentConfig: everything kontena-agent is told by its operator, from
// command-line options and the environment (options win), plus the timers
// of reference 13, injectable so tests can run them fast.

#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <functional>
#include <optional>

namespace kontena::agentd {

using Millis = std::chrono::milliseconds;

// Reference 2.3: min(cap, unit * 2^attempt), attempt counting from 0
// (GridSettings::reconnectDelay, the simulator's formula too); the unit is
// Kontena's second, scaled with the cap under --time-scale so a rehearsal
// on real hosts backs off as the simulator does.
Millis reconnectBackoff(int attempt, Millis cap = Millis(90'000), Millis unit = Millis(1'000));

struct AgentTimers {
    Millis pingInterval{30'000};      // the agent pings the master
    Millis pingTimeout{5'000};        // no pong by then: reconnect
    Millis openTimeout{10'000};       // connect + handshake
    Millis nodeInfoInterval{60'000};  // /nodes/update
    Millis podPollInterval{30'000};   // /node_service_pods/list
    Millis statsInterval{60'000};     // /containers/stat
    // A partial log batch goes out after this: `logs -f` shows a line within
    // a second of its writing (issue 17) while busy containers still batch.
    Millis logFlushInterval{200};
    // Rehearsals on real hosts (--time-scale): the node's platform timings
    // (crash backoff, reconnect backoff, keepalive) multiplied by this, as the master's.
    double timeScale = 1.0;
    // The wait before reconnect attempt `attempt` (0 = first retry).
    std::function<Millis(int attempt)> reconnectDelay = [](int attempt) { return reconnectBackoff(attempt); };
};

// The node's DNS server for service discovery (agent/dns_supervisor.h).
struct DnsOptions {
    bool enabled = false;    // the program: on unless --dns off (a real node needs it)
    QString program = QStringLiteral("/usr/sbin/dnsmasq");
    QString address;         // where it listens; empty: the Docker bridge's gateway
    int port = 53;           // containers' resolvers are always on 53
};

// The node's etcd member (agent/etcd_supervisor.h), on initial nodes.
struct EtcdOptions {
    bool enabled = false;    // --etcd on: run the member, report its health
    QString program = QStringLiteral("/usr/bin/etcd");
    // Where member N listens: "%n" is the node number. Empty: the node's
    // overlay address (subnet | N, reference §1.3). Tests use 127.0.1.%n.
    QString addressPattern;
    int clientPort = 2379;
    int peerPort = 2380;
    Millis checkInterval{1000};   // how often its health is read
};

// The grid overlay (backends/overlay) and grid addresses from IPAM in etcd.
struct OverlayOptions {
    bool enabled = false;    // --overlay on
    QString netns;           // run ip/bridge in this network namespace (tests)
};

struct AgentConfig {
    QUrl masterUrl;             // ws:// or wss:// (the first of masterUrls)
    // Several masters (--master URL1,URL2 or the option repeated): the agent
    // tries them in turn and follows a follower's pointer to the grid's
    // leader, but only to one of these (the grid token goes nowhere else).
    // Empty: masterUrl alone.
    QList<QUrl> masterUrls;
    QString token;
    bool nodeToken = false;     // the token is a node token, not the grid token
    QString nodeId;             // default: the engine's ID
    QString nodeName;           // default: the host name
    QStringList labels;
    QString grid = QStringLiteral("default");   // labels every container with it
    QString dockerHost;         // unix:///path; default /var/run/docker.sock
    QString version;            // Kontena-Version we send
    // Where the agent keeps what its platform services write (the DNS hosts
    // file, etcd's data); default /var/lib/kontena-agent/<node name>.
    QString dataDir;
    DnsOptions dns;
    // The node's address for its peers; empty: the first non-loopback IPv4 address.
    QString privateIp;
    EtcdOptions etcd;
    OverlayOptions overlay;
    // Load balancers (agent/lb_runtime.h): one directory each under <stateDir>/lb.
    QString stateDir = QStringLiteral("/var/lib/kontena-agent");
    AgentTimers timers;
};

// Parses `arguments` (argv, program name first) and `env`. On error or
// --help/--version returns nullopt with `message` for the user and
// `exitCode` (0 for help/version, 64 for a usage error).
std::optional<AgentConfig> parseConfig(const QStringList& arguments, const QStringList& env,
                                       QString& message, int& exitCode);

// The text of --help: every option, its variable and its default.
QString helpText();

}  // namespace kontena::agentd
