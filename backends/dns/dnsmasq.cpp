#include "backends/dns/dnsmasq.h"

namespace kontena::dns {

std::vector<std::string> dnsmasqArguments(const DnsmasqConfig& c) {
    std::vector<std::string> a{"--keep-in-foreground",
                               "--no-resolv",
                               "--no-hosts",
                               "--no-poll",
                               "--bind-interfaces",
                               "--listen-address=" + c.listenAddress,
                               "--port=" + std::to_string(c.port),
                               "--hostsdir=" + c.hostsDir,
                               "--local=/kontena.local/",
                               "--domain-needed",
                               "--local-ttl=" + std::to_string(c.ttlSeconds),
                               "--cache-size=0"};
    if (!c.pidFile.empty()) a.push_back("--pid-file=" + c.pidFile);
    if (!c.user.empty()) a.push_back("--user=" + c.user);
    if (!c.group.empty()) a.push_back("--group=" + c.group);
    if (!c.logFile.empty()) a.push_back("--log-facility=" + c.logFile);
    return a;
}

}  // namespace kontena::dns
