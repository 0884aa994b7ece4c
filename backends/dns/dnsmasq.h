#pragma once
// The node's DNS server for service discovery (reference §7.2): dnsmasq
// (Debian's dnsmasq-base) answering the grid's `*.kontena.local` names from
// a hosts directory the agent rewrites, and nothing else: names it does not
// hold are NXDOMAIN at once, never forwarded. dnsmasq re-reads a file of
// the directory when it is replaced (inotify), dropping the names the old
// file gave, so an atomic rename is the whole update protocol.

#include <string>
#include <vector>

namespace kontena::dns {

struct DnsmasqConfig {
    std::string listenAddress = "127.0.0.1";   // the node's overlay/bridge address in production
    int port = 53;
    std::string hostsDir;   // must be readable by dnsmasq's own user (it drops root)
    std::string pidFile;
    std::string logFile;   // empty: no log
    int ttlSeconds = 1;    // answers may be cached this long: names follow containers within a second
    std::string user;      // empty: dnsmasq drops root for its default user
    std::string group;     // empty: dnsmasq's default group (Debian: dip)
};

// Arguments for /usr/sbin/dnsmasq, program name excluded.
std::vector<std::string> dnsmasqArguments(const DnsmasqConfig& c);

}  // namespace kontena::dns
