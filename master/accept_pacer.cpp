#include "master/accept_pacer.h"

#include <QTcpServer>
#include <QTimer>

#include <memory>

namespace kontena::master {

void paceAccepts(QTcpServer* server, int perTurn) {
    // QTcpServer stops its accept loop (and its read notifier) when as many
    // connections are pending as it may hold: a limit of 0 stops it after
    // the connection just taken. A posted call, run at the start of the
    // next turn, lifts it again.
    const int limit = server->maxPendingConnections();
    auto taken = std::make_shared<int>(0);
    QObject::connect(server, &QTcpServer::newConnection, server, [server, perTurn, limit, taken] {
        if (++*taken < perTurn) return;
        server->setMaxPendingConnections(0);
        QTimer::singleShot(0, server, [server, limit, taken] {
            *taken = 0;
            server->setMaxPendingConnections(limit);
            if (server->isListening()) server->resumeAccepting();
        });
    });
}

}  // namespace kontena::master
