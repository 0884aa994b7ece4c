// Log ingest into the master's durable store (issue 17): lines per second
// appended in batches of B (an agent's log_batch), every batch committed
// before the next; and how long a tail query of 100 lines of one service
// takes once the store holds them all.
// Usage: bench_log_store [--lines N] [--batch B]
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>
#include <cstring>

#include "bench/bench_util.h"
#include "master/log_store.h"

using namespace kontena::master;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int total = kontena::bench::intOption(argc, argv, "--lines", 200000, "usage: bench_log_store [--lines N] [--batch B]");
    const int batch = kontena::bench::intOption(argc, argv, "--batch", 500, "usage: bench_log_store [--lines N] [--batch B]");
    QTemporaryDir dir;
    LogStore store;
    QString error;
    if (!store.open(dir.path(), &error)) {
        std::fprintf(stderr, "bench_log_store: %s\n", qPrintable(error));
        return 1;
    }
    QElapsedTimer t;
    t.start();
    for (int written = 0; written < total; written += batch) {
        std::vector<LogLine> lines(static_cast<std::size_t>(batch));
        for (int i = 0; i < batch; ++i) {
            auto& l = lines[static_cast<std::size_t>(i)];
            l.grid = QStringLiteral("bench");
            l.stack = QStringLiteral("app");
            l.service = QStringLiteral("svc%1").arg((written + i) % 50);
            l.instance = 1 + (written + i) % 3;
            l.node = QStringLiteral("node-1");
            l.atMs = written + i;
            l.text = QStringLiteral("GET /index.html 200 1234 bytes in 0.3 ms, request %1").arg(written + i);
        }
        if (!store.append(lines)) {
            std::fprintf(stderr, "bench_log_store: %s\n", qPrintable(store.lastError()));
            return 1;
        }
    }
    const double secs = static_cast<double>(t.nsecsElapsed()) / 1e9;
    LogQuery q;
    q.grid = QStringLiteral("bench");
    q.stack = QStringLiteral("app");
    q.service = QStringLiteral("svc7");
    QElapsedTimer qt;
    qt.start();
    const auto tail = store.query(q);
    const double queryMs = static_cast<double>(qt.nsecsElapsed()) / 1e6;
    std::printf("BENCH log_store_lines %d lines\n", total);
    std::printf("BENCH log_store_ingest_batch_%d %.0f lines/s\n", batch, total / secs);
    std::printf("BENCH log_store_tail_100_query %.2f ms\n", queryMs);
    return tail.size() == 100 ? 0 : 1;
}
