#pragma once
// A grid's container lines to a fluentd (reference 11.5: `kontena grid
// update --log-forwarder fluentd --log-opt fluentd-address=HOST:PORT`),
// over fluentd's forward protocol: MessagePack (msgpack-c, Debian's
// libmsgpack-dev) frames in Forward mode,
//
//   [tag, [[time, {"log": text, "type": "stdout|stderr"}], ...], {"chunk": id}]
//
// one frame per tag (Kontena's `node.grid.stack.service.instance`), each
// acknowledged by the receiver ({"ack": id}) before the next goes out. The
// master forwards, not the agents: it already holds every acknowledged
// line with its labels in the LogStore, so forwarding reads on from a
// cursor there, and a line is delivered at least once (re-sent after a
// lost connection or an ack that did not come within 10 s), in order, even
// if fluentd was away for a while (up to the store's retention).

#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/logs.h"

namespace kontena::master {

class GridRuntime;

// The forward-protocol frame of `lines` (all of one tag), asking for ack `chunk`.
QByteArray fluentForwardFrame(const QString& tag, const QList<api::ContainerLogEntry>& lines, const QByteArray& chunk);
// The tag of a line: node.grid.stack.service.instance (as Kontena).
QString fluentTag(const QString& grid, const api::ContainerLogEntry& line);
// The chunk id an ack frame names; nullopt until a whole frame is in `buffer`
// (the bytes it used are removed).
std::optional<QByteArray> fluentAck(QByteArray& buffer);

class FluentdForwarder : public QObject {
    Q_OBJECT
public:
    // Forwards `grid`'s lines written after line `afterId` to host:port.
    FluentdForwarder(GridRuntime& grid, QString host, quint16 port, std::int64_t afterId);

    std::int64_t delivered() const { return cursor_; }   // the last acknowledged line id
    QString address() const { return host_ + QLatin1Char(':') + QString::number(port_); }

    // New lines were kept: send when nothing is waiting for an ack.
    void pump();

private:
    void connectNow();
    void onReadable();
    void lost(const QString& why);

    QPointer<GridRuntime> grid_;
    QString host_;
    quint16 port_;
    QTcpSocket socket_;
    QTimer retry_, ackTimeout_;
    std::int64_t cursor_;
    struct Pending {
        QByteArray chunk;
        std::int64_t lastId = 0;
    };
    std::optional<Pending> pending_;
    QByteArray inbox_;
    int attempts_ = 0;
    quint64 chunks_ = 0;
};

}  // namespace kontena::master
