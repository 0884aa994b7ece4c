#include "backends/docker/exec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace kontena::docker {

namespace {

constexpr qsizetype kFrameHeader = 8;

QByteArray jsonBody(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

EngineError unreachable(const QString& why) { return EngineError{0, why}; }

// The answer's JSON object, or the engine's error.
EngineResult<QJsonObject> objectOf(const EngineResult<HttpResponse>& r) {
    if (!r) return r.error();
    if (r.value().status >= 400) return engineErrorFromBody(r.value().status, r.value().body);
    return QJsonDocument::fromJson(r.value().body).object();
}

}  // namespace

void FrameDemuxer::feed(QByteArrayView piece, const std::function<void(int, QByteArrayView)>& onData) {
    pending_.append(piece);
    qsizetype pos = 0;
    while (pending_.size() - pos >= kFrameHeader) {
        const auto* b = reinterpret_cast<const unsigned char*>(pending_.constData() + pos);
        const qsizetype length = (qsizetype(b[4]) << 24) | (qsizetype(b[5]) << 16) | (qsizetype(b[6]) << 8) | qsizetype(b[7]);
        if (pending_.size() - pos - kFrameHeader < length) break;
        const int stream = b[0] == 2 ? 2 : 1;
        onData(stream, QByteArrayView(pending_).sliced(pos + kFrameHeader, length));
        pos += kFrameHeader + length;
    }
    pending_.remove(0, pos);
}

EngineResult<QString> createExec(DockerClient& client, const QString& ref, const ExecConfig& config) {
    QJsonObject body{{QStringLiteral("AttachStdout"), true},
                     {QStringLiteral("AttachStderr"), true},
                     {QStringLiteral("AttachStdin"), config.attachStdin},
                     {QStringLiteral("Tty"), config.tty},
                     {QStringLiteral("Cmd"), QJsonArray::fromStringList(config.cmd)}};
    if (!config.env.isEmpty()) body.insert(QStringLiteral("Env"), QJsonArray::fromStringList(config.env));
    if (!config.user.isEmpty()) body.insert(QStringLiteral("User"), config.user);
    auto r = objectOf(client.call("POST", "/containers/" + urlPart(ref) + "/exec", jsonBody(body)));
    if (!r) return r.error();
    return r.value().value(QLatin1String("Id")).toString();
}

EngineResult<int> execExitCode(DockerClient& client, const QString& execId) {
    auto r = objectOf(client.call("GET", "/exec/" + urlPart(execId) + "/json"));
    if (!r) return r.error();
    if (r.value().value(QLatin1String("Running")).toBool()) return -1;
    return r.value().value(QLatin1String("ExitCode")).toInt(-1);
}

EngineResult<ExecOutput> runExec(DockerClient& client, const QString& ref, const QStringList& cmd, std::chrono::milliseconds timeout) {
    ExecConfig config;
    config.cmd = cmd;
    auto id = createExec(client, ref, config);
    if (!id) return id.error();
    // Without `Upgrade`, the engine answers 200 and writes the command's
    // multiplexed output until it ends, then closes the connection.
    const QByteArray start = jsonBody(QJsonObject{{QStringLiteral("Detach"), false}, {QStringLiteral("Tty"), false}});
    auto r = client.call("POST", "/exec/" + urlPart(id.value()) + "/start", start, timeout);
    if (!r) return r.error();
    if (r.value().status >= 400) return engineErrorFromBody(r.value().status, r.value().body);
    ExecOutput out;
    FrameDemuxer demux;
    demux.feed(r.value().body, [&](int stream, QByteArrayView data) { (stream == 2 ? out.err : out.out).append(data); });
    auto code = execExitCode(client, id.value());
    if (!code) return code.error();
    out.exitCode = code.value();
    return out;
}

EngineResult<ExecOutput> runOnce(DockerClient& client, const ContainerConfig& config, std::chrono::milliseconds timeout) {
    auto id = client.createContainer(QString(), config);
    if (!id) return id.error();
    const QString ref = id.value();
    auto finish = [&](EngineResult<ExecOutput> result) {
        client.removeContainer(ref, true, true);
        return result;
    };
    if (auto s = client.startContainer(ref); !s) return finish(s.error());
    auto waited = objectOf(client.call("POST", "/containers/" + urlPart(ref) + "/wait", {}, timeout));
    if (!waited) return finish(waited.error());
    ExecOutput out;
    out.exitCode = waited.value().value(QLatin1String("StatusCode")).toInt(-1);
    auto logs = client.call("GET", "/containers/" + urlPart(ref) + "/logs?stdout=1&stderr=1");
    if (logs && logs.value().status < 400) {
        FrameDemuxer demux;
        demux.feed(logs.value().body, [&](int stream, QByteArrayView data) { (stream == 2 ? out.err : out.out).append(data); });
    }
    return finish(out);
}

// ------------------------------------------------------------ ExecSession

ExecSession::ExecSession(int fd, QString id, bool tty, QByteArray early) : fd_(fd), id_(std::move(id)), tty_(tty), early_(std::move(early)) {}

ExecSession::~ExecSession() {
    if (fd_ >= 0) ::close(fd_);
}

EngineResult<std::unique_ptr<ExecSession>> ExecSession::start(const QString& socketPath, const QString& execId, bool tty) {
    const QByteArray path = socketPath.toLocal8Bit();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (std::size_t(path.size()) >= sizeof(addr.sun_path)) return unreachable(QStringLiteral("socket path too long"));
    std::memcpy(addr.sun_path, path.constData(), std::size_t(path.size()));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return unreachable(QString::fromLocal8Bit(std::strerror(errno)));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return unreachable(QStringLiteral("cannot connect to %1: %2").arg(socketPath, why));
    }
    const QByteArray body = jsonBody(QJsonObject{{QStringLiteral("Detach"), false}, {QStringLiteral("Tty"), tty}});
    const QByteArray head = QByteArray(kApiPrefix).prepend("POST ") + "/exec/" + urlPart(execId) +
                            "/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: Upgrade\r\n"
                            "Upgrade: tcp\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    auto session = std::unique_ptr<ExecSession>(new ExecSession(fd, execId, tty, {}));
    if (!session->write(head)) return unreachable(QStringLiteral("the engine closed the connection"));
    QByteArray got;
    char buf[4096];
    qsizetype end = -1;
    while ((end = got.indexOf("\r\n\r\n")) < 0) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return unreachable(QStringLiteral("the engine closed the connection"));
        got.append(buf, n);
        if (got.size() > 65536) return unreachable(QStringLiteral("no HTTP answer from the engine"));
    }
    const QList<QByteArray> status = got.left(got.indexOf("\r\n")).split(' ');
    const int code = status.size() >= 2 ? status.at(1).toInt() : 0;
    if (code != 101 && code != 200) return engineErrorFromBody(code, got.mid(end + 4));
    session->early_ = got.mid(end + 4);
    return session;
}

void ExecSession::read(const std::function<void(int, QByteArrayView)>& onData) {
    FrameDemuxer demux;
    auto deliver = [&](QByteArrayView piece) {
        if (tty_) onData(1, piece);
        else demux.feed(piece, onData);
    };
    if (!early_.isEmpty()) deliver(std::exchange(early_, {}));
    char buf[16384];
    while (!cancelled_) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        deliver(QByteArrayView(buf, n));
    }
}

bool ExecSession::write(QByteArrayView data) {
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd_, data.constData() + done, std::size_t(data.size() - done), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += n;
    }
    return true;
}

void ExecSession::closeInput() { ::shutdown(fd_, SHUT_WR); }

void ExecSession::cancel() {
    cancelled_ = true;
    ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace kontena::docker
