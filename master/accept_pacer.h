#pragma once
// At most N new connections accepted in one turn of the event loop.
//
// Why: QTcpServer accepts everything in the kernel's backlog in one go
// (one turn), and each accepted socket costs the master its handshake set
// up. When 10,000 agents reconnect at once (a master restart), that one
// turn lasted over a second, and every connected agent's keepalive waited
// behind it (bench_master_connections, notes/open-ends.md). Paced, the
// backlog drains over several turns with the other sockets served between.

class QTcpServer;

namespace kontena::master {

// Paces `server` (which keeps Qt's consumer of its connections, e.g. the
// HTTP server's): after every `perTurn` connections it lets the event loop
// finish its turn before it accepts more.
void paceAccepts(QTcpServer* server, int perTurn);

}  // namespace kontena::master
