#pragma once
// A running, addressed instance for DNS record tests. The addresses are
// record data only: tests resolve names through a dnsmasq on 127.0.0.1 and
// never send traffic to them.
#include <string>

#include "scheduler/dns.h"

namespace kontena::testing {

inline dns::Endpoint runningEndpoint(std::string stack, std::string svc, int n, std::string ip) {
    dns::Endpoint e;
    e.stack = std::move(stack);
    e.service = std::move(svc);
    e.number = n;
    e.address = std::move(ip);
    e.running = true;
    return e;
}

}  // namespace kontena::testing
