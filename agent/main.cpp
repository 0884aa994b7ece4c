// kontena-agent: the node side of a Kontena grid. See README.md and --help.
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QProcessEnvironment>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "backends/docker/docker_runtime.h"

using namespace kontena;

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int) {
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(signalPipe[1], &c, 1);
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("kontena-agent"));

    QString message;
    int exitCode = 0;
    auto config = agentd::parseConfig(QCoreApplication::arguments(), QProcessEnvironment::systemEnvironment().toStringList(),
                                      message, exitCode);
    if (!config) {
        std::fputs(message.toLocal8Bit().constData(), exitCode == 0 ? stdout : stderr);
        return exitCode;
    }

    const QString socket = config->dockerHost.isEmpty() ? QStringLiteral("/var/run/docker.sock") : config->dockerHost.mid(7);
    docker::DockerClient client(socket);
    const auto info = client.info();
    if (!info) {
        std::fprintf(stderr, "kontena-agent: cannot reach the Docker Engine at %s: %s\n", qPrintable(socket),
                     info.error().message.toLocal8Bit().constData());
        return 69;
    }
    if (config->nodeId.isEmpty()) config->nodeId = info.value().id;

    auto runtime = std::make_shared<docker::DockerRuntime>(client, NodeIdentity{config->grid.toStdString(), config->nodeName.toStdString()});
    if (QString error; !agentd::prepareDns(*config, *runtime, &error))
        std::fprintf(stderr, "kontena-agent: no DNS server for service discovery: %s\n", qPrintable(error));
    agentd::Agent agent(*config, runtime, client);
    agent.useGridAddresses(*runtime);
    QObject::connect(&agent, &agentd::Agent::fatal, &app, [](int code, const QString& reason) {
        std::fprintf(stderr, "kontena-agent: the master refused this node (%d): %s\n", code, qPrintable(reason));
        QCoreApplication::exit(2);
    });

    // SIGTERM/SIGINT end the event loop cleanly (containers keep running).
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) == 0) {
        auto* notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [] {
            char c = 0;
            [[maybe_unused]] const auto n = ::read(signalPipe[0], &c, 1);
            QCoreApplication::exit(0);
        });
        std::signal(SIGTERM, onSignal);
        std::signal(SIGINT, onSignal);
    }
    agent.start();
    const int rc = app.exec();
    agent.stop();
    return rc;
}
