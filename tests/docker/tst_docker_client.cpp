// DockerClient against a real, private dockerd: every call the backend
// makes, with every container option read back through inspect.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QTcpSocket>
#include <QtTest>

#include "backends/docker/client.h"
#include "tests/docker/test_image.h"

using namespace kontena::docker;
using kontena::testing::EngineFixture;
using kontena::testing::kTestImage;

namespace {

// Generous: CI runs the engine on 2 busy cores.
constexpr int kEngineWaitMs = 20000;

QJsonObject at(const QJsonObject& o, const char* a, const char* b = nullptr) {
    QJsonObject x = o.value(QLatin1String(a)).toObject();
    return b ? x.value(QLatin1String(b)).toObject() : x;
}

ContainerConfig shell(const QString& script) {
    ContainerConfig c;
    c.image = kTestImage;
    c.cmd = {QStringLiteral("/bin/sh"), QStringLiteral("-c"), script};
    return c;
}

// GET / from 127.0.0.1:port; the response or an empty string.
QByteArray httpGet(int port) {
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), static_cast<quint16>(port));
    if (!s.waitForConnected(3000))
        return {};
    s.write("GET / HTTP/1.0\r\n\r\n");
    QByteArray all;
    while (s.waitForReadyRead(3000))
        all += s.readAll();
    return all;
}

}  // namespace

class TestDockerClient : public QObject {
    Q_OBJECT
    EngineFixture fx;
    DockerClient client{QString()};
    QTemporaryDir hostDir;   // bind-mounted into kt-full

private slots:
    void initTestCase() {
        const QString failure = fx.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        client = fx.dockerd.client();
    }
    void cleanupTestCase() {
        auto stopped = fx.dockerd.stop();
        QVERIFY2(stopped, stopped ? "" : qPrintable(stopped.error().message));
    }

    void engineInfoAndVersion() {
        QVERIFY(client.ping());
        const auto v = client.version();
        QVERIFY2(v, v ? "" : qPrintable(v.error().describe()));
        QCOMPARE(v.value().apiVersion, QStringLiteral("1.41"));
        const auto i = client.info();
        QVERIFY(i);
        QVERIFY(i.value().cpus > 0);
        QVERIFY(i.value().memTotal > 0);
        QVERIFY(!i.value().id.isEmpty());
        QVERIFY(i.value().volumeDrivers.contains(QStringLiteral("local")));
    }

    void imageInspect() {
        const auto img = client.inspectImage(kTestImage);
        QVERIFY(img);
        QCOMPARE(img.value().id, fx.imageId);
        QVERIFY(img.value().repoTags.contains(kTestImage));
        QCOMPARE(client.inspectImage(QStringLiteral("kontena-test/absent:1")).error().httpStatus, 404);
    }

    void createSendsEveryOption() {
        QVERIFY(hostDir.isValid());
        QFile marker(hostDir.path() + QStringLiteral("/marker"));
        QVERIFY(marker.open(QIODevice::WriteOnly) && marker.write("from-host") > 0);
        marker.close();
        QVERIFY(client.createContainer(QStringLiteral("kt-source"), shell(QStringLiteral("true"))));

        ContainerConfig c = shell(QStringLiteral(
            "cat /hostdata/marker > /anon/index.html; exec httpd -f -p 8080 -h /anon"));
        c.env = {QStringLiteral("A=1"), QStringLiteral("B=two words")};
        c.labels = {{QStringLiteral("kt.test"), QStringLiteral("lifecycle")}};
        c.hostname = QStringLiteral("kt-host");
        c.ports = {PortBinding{8080, QStringLiteral("tcp"), QStringLiteral("127.0.0.1"), 0}};
        c.binds = {hostDir.path() + QStringLiteral(":/hostdata:ro"), QStringLiteral("kt-named:/named")};
        c.anonymousVolumes = {QStringLiteral("/anon")};
        c.volumesFrom = {QStringLiteral("kt-source")};
        c.networkMode = QStringLiteral("bridge");
        c.memory = 64 << 20;
        c.memorySwap = 128 << 20;
        c.shmSize = 16 << 20;
        c.cpus = 0.5;
        c.cpuShares = 512;
        c.stopSignal = QStringLiteral("SIGINT");
        c.stopTimeoutSeconds = 10;
        c.init = true;
        c.capAdd = {QStringLiteral("NET_ADMIN")};
        c.capDrop = {QStringLiteral("MKNOD")};
        c.readOnlyRootfs = true;
        c.logDriver = QStringLiteral("json-file");
        c.logOptions = {{QStringLiteral("max-size"), QStringLiteral("1m")}};
        const auto id = client.createContainer(QStringLiteral("kt-full"), c);
        QVERIFY2(id, id ? "" : qPrintable(id.error().describe()));

        const auto info = client.inspectContainer(QStringLiteral("kt-full"));
        QVERIFY(info);
        QCOMPARE(info.value().id, id.value());
        QCOMPARE(info.value().state.status, QStringLiteral("created"));
        const QJsonObject config = at(info.value().raw, "Config");
        const QJsonObject host = at(info.value().raw, "HostConfig");
        QVERIFY(info.value().env.contains(QStringLiteral("B=two words")));
        QCOMPARE(info.value().labels.value(QStringLiteral("kt.test")), QStringLiteral("lifecycle"));
        QCOMPARE(config.value(QLatin1String("Hostname")).toString(), QStringLiteral("kt-host"));
        QCOMPARE(config.value(QLatin1String("StopSignal")).toString(), QStringLiteral("SIGINT"));
        QCOMPARE(config.value(QLatin1String("StopTimeout")).toInt(), 10);
        QVERIFY(at(config, "Volumes").contains(QLatin1String("/anon")));
        QCOMPARE(host.value(QLatin1String("Init")).toBool(), true);
        QCOMPARE(host.value(QLatin1String("Binds")).toArray().size(), 2);
        QCOMPARE(host.value(QLatin1String("VolumesFrom")).toArray().first().toString(), QStringLiteral("kt-source"));
        QCOMPARE(host.value(QLatin1String("NetworkMode")).toString(), QStringLiteral("bridge"));
        QCOMPARE(host.value(QLatin1String("Memory")).toInteger(), 64 << 20);
        QCOMPARE(host.value(QLatin1String("MemorySwap")).toInteger(), 128 << 20);
        QCOMPARE(host.value(QLatin1String("ShmSize")).toInteger(), 16 << 20);
        QCOMPARE(host.value(QLatin1String("NanoCpus")).toInteger(), 500'000'000);
        QCOMPARE(host.value(QLatin1String("CpuShares")).toInt(), 512);
        QCOMPARE(host.value(QLatin1String("CapAdd")).toArray().first().toString(), QStringLiteral("NET_ADMIN"));
        QCOMPARE(host.value(QLatin1String("CapDrop")).toArray().first().toString(), QStringLiteral("MKNOD"));
        QCOMPARE(host.value(QLatin1String("ReadonlyRootfs")).toBool(), true);
        QCOMPARE(at(host, "LogConfig").value(QLatin1String("Type")).toString(), QStringLiteral("json-file"));
        QCOMPARE(at(host, "LogConfig", "Config").value(QLatin1String("max-size")).toString(), QStringLiteral("1m"));
        const QJsonObject binding = at(host, "PortBindings").value(QLatin1String("8080/tcp")).toArray()
                                        .first().toObject();
        QCOMPARE(binding.value(QLatin1String("HostIp")).toString(), QStringLiteral("127.0.0.1"));
    }

    // kt-full from above, through start, restart, stop, kill and remove.
    void fullLifecycle() {
        // start: the published port serves what came through the bind mount
        QVERIFY(client.startContainer(QStringLiteral("kt-full")));
        QVERIFY(client.startContainer(QStringLiteral("kt-full")));   // 304: already started is fine
        auto info = client.inspectContainer(QStringLiteral("kt-full"));
        QVERIFY(info.value().state.running);
        QFile init(QStringLiteral("/proc/") + QString::number(info.value().state.pid) + QStringLiteral("/cmdline"));
        QVERIFY(init.open(QIODevice::ReadOnly));
        QVERIFY2(init.readAll().contains("init"), "PID 1 of the container is docker-init (HostConfig.Init)");
        const int port = at(info.value().raw, "NetworkSettings", "Ports").value(QLatin1String("8080/tcp"))
                             .toArray().first().toObject().value(QLatin1String("HostPort")).toString().toInt();
        QVERIFY(port > 0);
        QTRY_VERIFY_WITH_TIMEOUT(httpGet(port).contains("from-host"), kEngineWaitMs);
        const auto named = client.inspectVolume(QStringLiteral("kt-named"));
        QVERIFY2(named, "the named volume of a bind entry is created by the engine");

        // restart: a new start time
        const QString firstStart = info.value().state.startedAt;
        QVERIFY(client.restartContainer(QStringLiteral("kt-full"), std::chrono::seconds(10)));
        info = client.inspectContainer(QStringLiteral("kt-full"));
        QVERIFY(info.value().state.running);
        QVERIFY(info.value().state.startedAt != firstStart);

        // stop: SIGINT ends httpd at once (a lost signal would take the 10 s timeout)
        QElapsedTimer t;
        t.start();
        QVERIFY(client.stopContainer(QStringLiteral("kt-full")));
        QVERIFY2(t.elapsed() < 8000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(client.stopContainer(QStringLiteral("kt-full")));    // 304: already stopped is fine
        QVERIFY(!client.inspectContainer(QStringLiteral("kt-full")).value().state.running);

        // kill: SIGKILL gives exit code 137
        QVERIFY(client.startContainer(QStringLiteral("kt-full")));
        QVERIFY(client.killContainer(QStringLiteral("kt-full")));
        QTRY_COMPARE_WITH_TIMEOUT(client.inspectContainer(QStringLiteral("kt-full")).value().state.exitCode, 137, kEngineWaitMs);

        // remove
        QVERIFY(client.removeContainer(QStringLiteral("kt-full"), false, true));
        const auto gone = client.inspectContainer(QStringLiteral("kt-full"));
        QVERIFY(!gone);
        QCOMPARE(gone.error().httpStatus, 404);
        QVERIFY(client.removeContainer(QStringLiteral("kt-source")));
    }

    void listByLabel() {
        for (const char* g : {"a", "a", "b"}) {
            ContainerConfig c = shell(QStringLiteral("sleep 100"));
            c.labels = {{QStringLiteral("kt.group"), QLatin1String(g)}};
            QVERIFY(client.createContainer({}, c));
        }
        const auto a = client.listContainers({{QStringLiteral("label"), {QStringLiteral("kt.group=a")}}});
        QVERIFY(a);
        QCOMPARE(a.value().size(), size_t(2));
        for (const auto& s : a.value()) {
            QCOMPARE(s.labels.value(QStringLiteral("kt.group")), QStringLiteral("a"));
            QCOMPARE(s.state, QStringLiteral("created"));
            QCOMPARE(s.imageId, fx.imageId);
        }
        const auto any = client.listContainers({{QStringLiteral("label"), {QStringLiteral("kt.group")}}});
        QCOMPARE(any.value().size(), size_t(3));
        const auto running = client.listContainers({{QStringLiteral("label"), {QStringLiteral("kt.group")}}}, false);
        QCOMPARE(running.value().size(), size_t(0));
        for (const auto& s : any.value())
            QVERIFY(client.removeContainer(s.id, true));
    }

    void volumes() {
        VolumeSpec spec;
        spec.name = QStringLiteral("kt-vol");
        spec.driverOptions = {{QStringLiteral("type"), QStringLiteral("tmpfs")},
                              {QStringLiteral("device"), QStringLiteral("tmpfs")},
                              {QStringLiteral("o"), QStringLiteral("size=1m")}};
        spec.labels = {{QStringLiteral("kt.vol"), QStringLiteral("1")}};
        const auto made = client.createVolume(spec);
        QVERIFY2(made, made ? "" : qPrintable(made.error().describe()));
        const auto v = client.inspectVolume(QStringLiteral("kt-vol"));
        QVERIFY(v);
        QCOMPARE(v.value().driver, QStringLiteral("local"));
        QCOMPARE(v.value().options.value(QStringLiteral("o")), QStringLiteral("size=1m"));
        QCOMPARE(v.value().labels.value(QStringLiteral("kt.vol")), QStringLiteral("1"));
        const auto listed = client.listVolumes({{QStringLiteral("label"), {QStringLiteral("kt.vol=1")}}});
        QCOMPARE(listed.value().size(), size_t(1));

        // a container writes into it; while in use it cannot be removed
        ContainerConfig c = shell(QStringLiteral("echo hi > /v/f && cat /v/f"));
        c.binds = {QStringLiteral("kt-vol:/v")};
        QVERIFY(client.createContainer(QStringLiteral("kt-vol-user"), c));
        QVERIFY(client.startContainer(QStringLiteral("kt-vol-user")));
        QTRY_VERIFY_WITH_TIMEOUT(!client.inspectContainer(QStringLiteral("kt-vol-user")).value().state.running, kEngineWaitMs);
        QCOMPARE(client.inspectContainer(QStringLiteral("kt-vol-user")).value().state.exitCode, 0);
        QCOMPARE(client.removeVolume(QStringLiteral("kt-vol")).error().httpStatus, 409);
        QVERIFY(client.removeContainer(QStringLiteral("kt-vol-user")));
        QVERIFY(client.removeVolume(QStringLiteral("kt-vol")));
        QCOMPARE(client.inspectVolume(QStringLiteral("kt-vol")).error().httpStatus, 404);

        // The local driver refuses unknown options (an unknown driver would
        // make the engine wait ~15 s for a plugin).
        VolumeSpec bad;
        bad.name = QStringLiteral("kt-bad");
        bad.driverOptions = {{QStringLiteral("bogus"), QStringLiteral("1")}};
        const auto refused = client.createVolume(bad);
        QVERIFY(!refused);
        QVERIFY(refused.error().httpStatus >= 400);
        QVERIFY2(refused.error().message.contains(QStringLiteral("bogus")), qPrintable(refused.error().message));
        QCOMPARE(client.inspectVolume(QStringLiteral("kt-bad")).error().httpStatus, 404);
    }

    void networks() {
        const QString k = fx.dockerd.bridgeSubnet().section(u'.', 1, 1);
        NetworkSpec spec;
        spec.name = QStringLiteral("kt-net");
        spec.subnet = QStringLiteral("10.") + k + QStringLiteral(".200.0/24");
        spec.gateway = QStringLiteral("10.") + k + QStringLiteral(".200.1");
        spec.labels = {{QStringLiteral("kt.net"), QStringLiteral("1")}};
        const auto id = client.createNetwork(spec);
        QVERIFY2(id, id ? "" : qPrintable(id.error().describe()));
        const auto n = client.inspectNetwork(QStringLiteral("kt-net"));
        QVERIFY(n);
        QCOMPARE(n.value().id, id.value());
        QCOMPARE(n.value().driver, QStringLiteral("bridge"));
        QCOMPARE(n.value().subnet, spec.subnet);
        QCOMPARE(n.value().labels.value(QStringLiteral("kt.net")), QStringLiteral("1"));
        QCOMPARE(client.createNetwork(spec).error().httpStatus, 409);
        const auto listed = client.listNetworks({{QStringLiteral("label"), {QStringLiteral("kt.net=1")}}});
        QCOMPARE(listed.value().size(), size_t(1));

        ContainerConfig c = shell(QStringLiteral("sleep 100"));
        c.networkMode = QStringLiteral("kt-net");
        QVERIFY(client.createContainer(QStringLiteral("kt-on-net"), c));
        QVERIFY(client.startContainer(QStringLiteral("kt-on-net")));
        const auto info = client.inspectContainer(QStringLiteral("kt-on-net"));
        const QString ip = at(info.value().raw, "NetworkSettings", "Networks").value(QLatin1String("kt-net"))
                               .toObject().value(QLatin1String("IPAddress")).toString();
        QVERIFY2(ip.startsWith(QStringLiteral("10.") + k + QStringLiteral(".200.")), qPrintable(ip));
        QCOMPARE(client.inspectNetwork(QStringLiteral("kt-net")).value().containerIds.size(), 1);
        QVERIFY(client.removeContainer(QStringLiteral("kt-on-net"), true));
        QVERIFY(client.removeNetwork(QStringLiteral("kt-net")));
        QCOMPARE(client.inspectNetwork(QStringLiteral("kt-net")).error().httpStatus, 404);
    }

    void logsOfBothStreams() {
        QVERIFY(client.createContainer(QStringLiteral("kt-logs"),
                                       shell(QStringLiteral("echo out1; echo err1 >&2; echo out2; printf tail"))));
        QVERIFY(client.startContainer(QStringLiteral("kt-logs")));
        QTRY_VERIFY_WITH_TIMEOUT(!client.inspectContainer(QStringLiteral("kt-logs")).value().state.running, kEngineWaitMs);
        LogOptions o;
        o.timestamps = true;
        const auto lines = client.containerLogs(QStringLiteral("kt-logs"), o);
        QVERIFY(lines);
        QByteArrayList out, err;
        for (const LogLine& l : lines.value()) {
            (l.source == LogSource::Stdout ? out : err).append(l.text);
            QVERIFY(l.timeNano > 0);
        }
        QCOMPARE(out, (QByteArrayList{"out1", "out2", "tail"}));
        QCOMPARE(err, QByteArrayList{"err1"});
        o.stdoutStream = false;
        QCOMPARE(client.containerLogs(QStringLiteral("kt-logs"), o).value().size(), size_t(1));
        LogOptions tail;
        tail.tail = 1;
        tail.stderrStream = false;
        QCOMPARE(client.containerLogs(QStringLiteral("kt-logs"), tail).value().front().text, QByteArray("tail"));
        QVERIFY(client.removeContainer(QStringLiteral("kt-logs")));
    }

    void oneShotStats() {
        ContainerConfig c = shell(QStringLiteral("sleep 100"));
        c.memory = 48 << 20;
        QVERIFY(client.createContainer(QStringLiteral("kt-stats"), c));
        QVERIFY(client.startContainer(QStringLiteral("kt-stats")));
        const auto s = client.containerStats(QStringLiteral("kt-stats"));
        QVERIFY2(s, s ? "" : qPrintable(s.error().describe()));
        QVERIFY(!s.value().read.isEmpty());
        QVERIFY(s.value().memoryUsage > 0);
        QCOMPARE(s.value().memoryLimit, qint64(48 << 20));
        QVERIFY(s.value().pids >= 1);
        QVERIFY(s.value().cpuTotalNs > 0);
        QVERIFY(client.removeContainer(QStringLiteral("kt-stats"), true));
    }

    void errorsAreValuesWithTheEnginesWords() {
        const auto missing = client.inspectContainer(QStringLiteral("kt-nope"));
        QCOMPARE(missing.error().httpStatus, 404);
        QVERIFY(missing.error().message.contains(QStringLiteral("No such container")));
        QCOMPARE(client.startContainer(QStringLiteral("kt-nope")).error().httpStatus, 404);
        QCOMPARE(client.stopContainer(QStringLiteral("kt-nope")).error().httpStatus, 404);

        QVERIFY(client.createContainer(QStringLiteral("kt-twice"), shell(QStringLiteral("true"))));
        const auto twice = client.createContainer(QStringLiteral("kt-twice"), shell(QStringLiteral("true")));
        QCOMPARE(twice.error().httpStatus, 409);
        QVERIFY(twice.error().message.contains(QStringLiteral("already in use")));
        QCOMPARE(client.killContainer(QStringLiteral("kt-twice")).error().httpStatus, 409);   // not running
        QVERIFY(client.removeContainer(QStringLiteral("kt-twice")));

        ContainerConfig absent;
        absent.image = QStringLiteral("kontena-test/absent:1");
        const auto noImage = client.createContainer(QStringLiteral("kt-absent"), absent);
        QCOMPARE(noImage.error().httpStatus, 404);
        QVERIFY(noImage.error().message.contains(QStringLiteral("No such image")));

        // No registry is reachable here: the pull fails with the engine's reason.
        QElapsedTimer t;
        t.start();
        const auto pulled = client.pullImage(QStringLiteral("127.0.0.1:1/kontena-test/absent:1"));
        QVERIFY(!pulled);
        QVERIFY(pulled.error().httpStatus >= 400);
        QVERIFY2(pulled.error().message.startsWith(QStringLiteral("pulling 127.0.0.1:1/kontena-test/absent:1: ")),
                 qPrintable(pulled.error().message));
        QVERIFY(pulled.error().message.size() > 40);
        qInfo() << "pull without a registry:" << pulled.error().describe() << "after" << t.elapsed() << "ms";

        DockerClient nowhere(fx.dockerd.root() + QStringLiteral("/absent.sock"));
        const auto unreachable = nowhere.ping();
        QVERIFY(!unreachable);
        QVERIFY(unreachable.error().isUnreachable());
        QVERIFY(!unreachable.error().message.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDockerClient)
#include "tst_docker_client.moc"
