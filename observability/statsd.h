#pragma once
// Container statistics as statsd gauges (Kontena's `--statsd-server`): one
// UDP datagram of lines `<prefix>.<grid>.<stack>.<service>.<n>.<metric>:<v>|g`.
// Name parts are sanitised to [A-Za-z0-9_-] (statsd splits on '.' and ':').

#include <string>

#include "observability/timeseries.h"

namespace kontena::stats {

struct ContainerId {
    std::string grid, stack, service;
    int number = 0;
};

std::string statsdDatagram(const std::string& prefix, const ContainerId& id, const Sample& s);

}  // namespace kontena::stats
