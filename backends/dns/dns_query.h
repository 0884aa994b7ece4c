#pragma once
// A minimal DNS client for A records over UDP: what the node's health
// checks, tests and benchmarks use to ask the node's dnsmasq a name. One
// question, one datagram, a timeout; answers are parsed with bounds checks
// (a malformed datagram is an error, never a crash).

#include <chrono>
#include <string>
#include <vector>

#include "scheduler/result.h"

namespace kontena::dns {

struct Answer {
    int rcode = 0;                        // 0 NOERROR, 3 NXDOMAIN, ...
    std::vector<std::string> addresses;   // the A records, in answer order
};

Result<Answer> queryA(const std::string& server, int port, const std::string& name,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

// The query datagram for `name` (exposed for tests); empty if a label is
// empty or longer than 63 bytes.
std::string encodeQuery(std::uint16_t id, const std::string& name);
// Parses an answer to query `id`.
Result<Answer> decodeAnswer(std::uint16_t id, const std::string& datagram);

}  // namespace kontena::dns
