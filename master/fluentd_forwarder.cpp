#include "master/fluentd_forwarder.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <msgpack.h>

#include <algorithm>

#include "master/grid_runtime.h"

Q_LOGGING_CATEGORY(lcFluent, "kontena.master.fluentd")

namespace kontena::master {

namespace {

constexpr int kBatch = 500;          // lines read from the store at a time
constexpr int kAckTimeoutMs = 10000;

void packStr(msgpack_packer& pk, const QByteArray& s) {
    msgpack_pack_str(&pk, std::size_t(s.size()));
    msgpack_pack_str_body(&pk, s.constData(), std::size_t(s.size()));
}

QString part(QString s) { return s.isEmpty() ? QStringLiteral("null") : s.replace(QLatin1Char('.'), QLatin1Char('_')); }

}  // namespace

QString fluentTag(const QString& grid, const api::ContainerLogEntry& l) {
    const QString service = l.service.section(QLatin1Char('/'), 1);
    const QString stack = l.service.section(QLatin1Char('/'), 0, 0);
    if (l.instanceNumber > 0)
        return QStringList{part(l.node), part(grid), part(stack), part(service), QString::number(l.instanceNumber)}.join(QLatin1Char('.'));
    return QStringList{part(l.node), part(grid), QStringLiteral("system"), part(l.name)}.join(QLatin1Char('.'));
}

QByteArray fluentForwardFrame(const QString& tag, const QList<api::ContainerLogEntry>& lines, const QByteArray& chunk) {
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    packStr(pk, tag.toUtf8());
    msgpack_pack_array(&pk, std::size_t(lines.size()));
    for (const api::ContainerLogEntry& l : lines) {
        msgpack_pack_array(&pk, 2);
        const QDateTime at = QDateTime::fromString(l.createdAt, Qt::ISODateWithMs);
        msgpack_pack_uint64(&pk, at.isValid() ? std::uint64_t(at.toSecsSinceEpoch()) : 0);
        msgpack_pack_map(&pk, 2);
        packStr(pk, "log");
        packStr(pk, l.data.toUtf8());
        packStr(pk, "type");
        packStr(pk, l.type.toUtf8());
    }
    msgpack_pack_map(&pk, 1);
    packStr(pk, "chunk");
    packStr(pk, chunk);
    QByteArray out(buf.data, qsizetype(buf.size));
    msgpack_sbuffer_destroy(&buf);
    return out;
}

std::optional<QByteArray> fluentAck(QByteArray& buffer) {
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    std::size_t offset = 0;
    const msgpack_unpack_return ret = msgpack_unpack_next(&result, buffer.constData(), std::size_t(buffer.size()), &offset);
    std::optional<QByteArray> ack;
    if (ret == MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object& o = result.data;
        if (o.type == MSGPACK_OBJECT_MAP) {
            for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
                const msgpack_object_kv& kv = o.via.map.ptr[i];
                if (kv.key.type == MSGPACK_OBJECT_STR && QByteArray(kv.key.via.str.ptr, kv.key.via.str.size) == "ack" &&
                    kv.val.type == MSGPACK_OBJECT_STR)
                    ack = QByteArray(kv.val.via.str.ptr, kv.val.via.str.size);
            }
        }
        buffer.remove(0, qsizetype(offset));
        if (!ack) ack = QByteArray();   // a whole frame that is not an ack: consumed, names nothing
    } else if (ret == MSGPACK_UNPACK_PARSE_ERROR) {
        buffer.clear();
    }
    msgpack_unpacked_destroy(&result);
    return ack;
}

FluentdForwarder::FluentdForwarder(GridRuntime& grid, QString host, quint16 port, std::int64_t afterId)
    : QObject(&grid), grid_(&grid), host_(std::move(host)), port_(port), cursor_(afterId) {
    retry_.setSingleShot(true);
    ackTimeout_.setSingleShot(true);
    connect(&retry_, &QTimer::timeout, this, &FluentdForwarder::connectNow);
    connect(&ackTimeout_, &QTimer::timeout, this, [this] { lost(QStringLiteral("no ack within 10 s")); });
    connect(&socket_, &QTcpSocket::connected, this, [this] {
        attempts_ = 0;
        qCInfo(lcFluent).noquote() << grid_->name() << "forwarding logs to fluentd at" << address();
        pump();
    });
    connect(&socket_, &QTcpSocket::readyRead, this, &FluentdForwarder::onReadable);
    connect(&socket_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) { lost(socket_.errorString()); });
    connect(&grid, &GridRuntime::containerLinesAdded, this, &FluentdForwarder::pump);
    connectNow();
}

void FluentdForwarder::connectNow() {
    if (socket_.state() != QAbstractSocket::UnconnectedState) return;
    socket_.connectToHost(host_, port_);
}

void FluentdForwarder::lost(const QString& why) {
    if (retry_.isActive()) return;
    qCWarning(lcFluent).noquote() << (grid_ ? grid_->name() : QString()) << "fluentd at" << address() << ":" << why;
    pending_.reset();   // re-sent from the cursor once connected again
    inbox_.clear();
    ackTimeout_.stop();
    socket_.abort();
    retry_.start(std::min(30000, 500 << std::min(attempts_++, 6)));
}

void FluentdForwarder::pump() {
    if (!grid_ || pending_ || socket_.state() != QAbstractSocket::ConnectedState) return;
    LogQuery q;
    q.afterId = cursor_;
    q.limit = kBatch;
    q.oldestFirst = true;
    const QList<api::ContainerLogEntry> lines = grid_->logs().containerLines(q);
    if (lines.isEmpty()) return;
    // The first tag's lines, in order, up to the first line of another tag.
    const QString tag = fluentTag(grid_->name(), lines.first());
    QList<api::ContainerLogEntry> frame;
    for (const api::ContainerLogEntry& l : lines) {
        if (fluentTag(grid_->name(), l) != tag) break;
        frame.append(l);
    }
    pending_ = Pending{QByteArray::number(++chunks_) + '-' + frame.last().id.toUtf8(), frame.last().id.toLongLong()};
    socket_.write(fluentForwardFrame(tag, frame, pending_->chunk));
    ackTimeout_.start(kAckTimeoutMs);
}

void FluentdForwarder::onReadable() {
    inbox_ += socket_.readAll();
    while (auto ack = fluentAck(inbox_)) {
        if (!pending_ || *ack != pending_->chunk) continue;
        cursor_ = pending_->lastId;
        pending_.reset();
        ackTimeout_.stop();
        pump();
        if (inbox_.isEmpty()) break;
    }
}

}  // namespace kontena::master
