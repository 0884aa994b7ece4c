#pragma once
// `kontena service stats`, `kontena node stats` and `kontena grid update`
// (statsd export), in stats_command.cpp; their groups list them.

#include <QStringList>

namespace kontena::cli {

int serviceStats(const QStringList& args);
int nodeStats(const QStringList& args);
int gridUpdate(const QStringList& args);

// Bytes as Docker's CLI shows them (4 significant digits: "1.5MiB", "12kB" for network).
QString binaryBytes(double bytes);
QString decimalBytes(double bytes);

}  // namespace kontena::cli
