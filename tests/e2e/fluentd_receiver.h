#pragma once
// A fluentd forward-protocol receiver for tests (Debian has no fluentd):
// listens on 127.0.0.1, decodes Forward-mode frames with msgpack-c — the
// library, not our encoder — and answers each frame's chunk with an ack,
// as fluentd's in_forward does.
#include <QByteArray>
#include <QList>
#include <QTcpServer>
#include <QTcpSocket>

#include <msgpack.h>

namespace kontena::testing {

struct FluentRecord {
    QString tag;
    quint64 time = 0;
    QString log, type;
};

class FluentdReceiver : public QObject {
public:
    bool listen(quint16 port = 0) {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = server_.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] { read(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        return server_.listen(QHostAddress::LocalHost, port);
    }
    void close() {
        server_.close();
        for (QTcpSocket* s : server_.findChildren<QTcpSocket*>()) s->abort();
    }
    quint16 port() const { return server_.serverPort(); }
    QList<FluentRecord> records;
    bool ack = true;   // false: take frames, never acknowledge them

private:
    static QString str(const msgpack_object& o) {
        return o.type == MSGPACK_OBJECT_STR ? QString::fromUtf8(o.via.str.ptr, int(o.via.str.size)) : QString();
    }
    void frame(QTcpSocket* s, const msgpack_object& o) {
        if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size < 2) return;
        const QString tag = str(o.via.array.ptr[0]);
        const msgpack_object& entries = o.via.array.ptr[1];
        for (std::uint32_t i = 0; entries.type == MSGPACK_OBJECT_ARRAY && i < entries.via.array.size; ++i) {
            const msgpack_object& e = entries.via.array.ptr[i];
            if (e.type != MSGPACK_OBJECT_ARRAY || e.via.array.size != 2 || e.via.array.ptr[1].type != MSGPACK_OBJECT_MAP) continue;
            FluentRecord r{tag, e.via.array.ptr[0].via.u64, {}, {}};
            const msgpack_object_map& m = e.via.array.ptr[1].via.map;
            for (std::uint32_t k = 0; k < m.size; ++k) {
                if (str(m.ptr[k].key) == QLatin1String("log")) r.log = str(m.ptr[k].val);
                if (str(m.ptr[k].key) == QLatin1String("type")) r.type = str(m.ptr[k].val);
            }
            records.append(r);
        }
        if (!ack || o.via.array.size < 3 || o.via.array.ptr[2].type != MSGPACK_OBJECT_MAP) return;
        const msgpack_object_map& opts = o.via.array.ptr[2].via.map;
        for (std::uint32_t k = 0; k < opts.size; ++k) {
            if (str(opts.ptr[k].key) != QLatin1String("chunk")) continue;
            const QByteArray chunk = str(opts.ptr[k].val).toUtf8();
            msgpack_sbuffer b;
            msgpack_sbuffer_init(&b);
            msgpack_packer pk;
            msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
            msgpack_pack_map(&pk, 1);
            msgpack_pack_str(&pk, 3);
            msgpack_pack_str_body(&pk, "ack", 3);
            msgpack_pack_str(&pk, std::size_t(chunk.size()));
            msgpack_pack_str_body(&pk, chunk.constData(), std::size_t(chunk.size()));
            s->write(b.data, qint64(b.size));
            msgpack_sbuffer_destroy(&b);
        }
    }
    void read(QTcpSocket* s) {
        QByteArray& buf = buffers_[s];
        buf += s->readAll();
        for (;;) {
            msgpack_unpacked u;
            msgpack_unpacked_init(&u);
            std::size_t off = 0;
            const auto ret = msgpack_unpack_next(&u, buf.constData(), std::size_t(buf.size()), &off);
            if (ret == MSGPACK_UNPACK_SUCCESS) {
                frame(s, u.data);
                buf.remove(0, qsizetype(off));
            }
            msgpack_unpacked_destroy(&u);
            if (ret != MSGPACK_UNPACK_SUCCESS) return;
        }
    }
    QTcpServer server_;
    QHash<QTcpSocket*, QByteArray> buffers_;
};

}  // namespace kontena::testing
