#include "agent/exec_runner.h"

#include <QLoggingCategory>
#include <QPointer>

#include <thread>

#include "backends/docker/exec.h"

Q_LOGGING_CATEGORY(lcExec, "kontena.agent.exec")

namespace kontena::agentd {

namespace {
// At most this many commands at once per node; more are refused.
constexpr int kMaxSessions = 32;
}  // namespace

struct ExecRunner::Session {
    QString id;
    QString execId;
    std::shared_ptr<docker::ExecSession> exec;
    std::thread reader;
    bool tty = false;
};

ExecRunner::ExecRunner(docker::DockerClient client, std::function<bool(const QString&)> owned, QObject* parent)
    : QObject(parent), client_(std::move(client)), owned_(std::move(owned)) {}

ExecRunner::~ExecRunner() {
    for (const auto& s : std::as_const(sessions_)) {
        s->exec->cancel();
        if (s->reader.joinable()) s->reader.join();
    }
}

void ExecRunner::start(const protocol::ExecFrame& f) {
    auto fail = [&](const QString& why) {
        protocol::ExecFrame e;
        e.id = f.id;
        e.error = why;
        emit frame(QString::fromLatin1(protocol::method::kExecError), e);
    };
    if (f.id.isEmpty() || sessions_.contains(f.id)) return fail(QStringLiteral("exec id missing or already in use"));
    if (f.cmd.isEmpty()) return fail(QStringLiteral("no command to run"));
    if (!owned_ || !owned_(f.container)) return fail(QStringLiteral("container %1 is not running on this node").arg(f.container));
    if (sessions_.size() >= kMaxSessions) return fail(QStringLiteral("too many commands running on this node"));
    docker::ExecConfig config;
    config.cmd = f.cmd;
    config.tty = f.tty;
    config.attachStdin = f.interactive;
    auto id = docker::createExec(client_, f.container, config);
    if (!id) return fail(id.error().describe());
    auto exec = docker::ExecSession::start(client_.socketPath(), id.value(), f.tty);
    if (!exec) return fail(exec.error().describe());
    auto s = std::make_shared<Session>();
    s->id = f.id;
    s->execId = id.value();
    s->exec = std::move(exec).value();
    sessions_.insert(f.id, s);
    qCInfo(lcExec).noquote() << "exec" << f.id << "in" << f.container << (f.tty ? "with a tty" : "");
    // Without input the command reads end of file at once; but a terminal's
    // connection stays whole (a half-closed one makes the engine end the
    // session, output and all).
    if (!f.interactive && !f.tty) s->exec->closeInput();
    s->tty = f.tty;
    QPointer<ExecRunner> self(this);
    auto session = s->exec;
    const QString execId = s->execId, frameId = f.id;
    s->reader = std::thread([self, session, execId, frameId, client = client_]() mutable {
        session->read([&](int stream, QByteArrayView data) {
            protocol::ExecFrame out;
            out.id = frameId;
            out.stream = stream == 2 ? QStringLiteral("stderr") : QStringLiteral("stdout");
            out.chunk = QString::fromUtf8(data);
            QMetaObject::invokeMethod(self, [self, out] { if (self) emit self->frame(QString::fromLatin1(protocol::method::kExecOutput), out); },
                                      Qt::QueuedConnection);
        });
        const auto code = docker::execExitCode(client, execId);
        protocol::ExecFrame end;
        end.id = frameId;
        if (code && code.value() >= 0) end.exitCode = code.value();
        else end.error = code ? QStringLiteral("the command did not finish") : code.error().describe();
        QMetaObject::invokeMethod(self, [self, end] {
            if (!self) return;
            emit self->frame(QString::fromLatin1(end.exitCode ? protocol::method::kExecExit : protocol::method::kExecError), end);
            self->finished(end.id);
        }, Qt::QueuedConnection);
    });
}

void ExecRunner::input(const protocol::ExecFrame& f) {
    const auto s = sessions_.value(f.id);
    if (!s) return;
    if (!f.stdinData.isEmpty()) s->exec->write(f.stdinData.toUtf8());
    // End of input: on a terminal it is Ctrl-D, as typing it would be.
    if (f.eof) {
        if (s->tty) s->exec->write("\x04");
        else s->exec->closeInput();
    }
}

void ExecRunner::resize(const protocol::ExecFrame& f) {
    const auto s = sessions_.value(f.id);
    if (!s || f.width <= 0 || f.height <= 0) return;
    client_.call("POST", "/exec/" + docker::urlPart(s->execId) + "/resize?h=" + QByteArray::number(f.height) + "&w=" + QByteArray::number(f.width));
}

void ExecRunner::terminate(const QString& id) {
    if (const auto s = sessions_.value(id)) s->exec->cancel();
}

void ExecRunner::terminateAll() {
    for (const auto& s : std::as_const(sessions_)) s->exec->cancel();
}

void ExecRunner::finished(const QString& id) {
    const auto s = sessions_.take(id);
    if (s && s->reader.joinable()) s->reader.join();
}

}  // namespace kontena::agentd
