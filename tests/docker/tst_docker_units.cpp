// The Docker backend's pure parts, without a daemon: stream decoders, the
// create body, and how an instance becomes labels, env and settings.
#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "backends/docker/client.h"
#include "backends/docker/container_config.h"
#include "backends/docker/kontena_labels.h"
#include "backends/docker/stream_parsers.h"

using namespace kontena;
using namespace kontena::docker;

namespace {

QByteArray frame(char stream, const QByteArray& payload) {
    QByteArray f(8, '\0');
    f[0] = stream;
    const auto n = static_cast<quint32>(payload.size());
    f[4] = char(n >> 24);
    f[5] = char(n >> 16);
    f[6] = char(n >> 8);
    f[7] = char(n);
    return f + payload;
}

InstanceDesc webInstance() {
    InstanceDesc in;
    in.spec.stack = "shop";
    in.spec.name = "web";
    in.spec.image = "kontena-test/busybox:1";
    in.spec.env = {"A=1", "KONTENA_NODE_NAME=spoofed"};
    in.spec.ports = {PortSpec{"127.0.0.1", 8080, 80, "tcp"}, PortSpec{"0.0.0.0", 0, 53, "udp"}};
    in.spec.volumes = {VolumeMount{VolumeKind::Bind, "/srv", "/srv", "ro"},
                       VolumeMount{VolumeKind::Named, "shop.data-2", "/data", ""},
                       VolumeMount{VolumeKind::Anonymous, "", "/cache", ""}};
    in.spec.memory = 64 << 20;
    in.spec.cpus = 0.25;
    in.spec.stopGracePeriod = Duration::seconds(7);
    in.spec.stopSignal = "SIGINT";
    in.spec.healthCheck = HealthCheck{"http", 8080, "/health", Duration::seconds(5), Duration::seconds(30),
                                      Duration::seconds(15)};
    in.instanceNumber = 2;
    in.deployRev = 1234;
    in.serviceRevision = 3;
    return in;
}

const NodeIdentity kNode{"testgrid", "node-1"};

}  // namespace

class TestDockerUnits : public QObject {
    Q_OBJECT
private slots:
    void jsonLinesSurviveAnySplit() {
        const QByteArray body = "{\"a\":1}\n{\"a\":2}\r\nnot json\n\n{\"a\":3}\n";
        for (int cut = 0; cut <= body.size(); ++cut) {
            JsonLineSplitter s;
            QList<int> seen;
            const auto collect = [&](const QJsonObject& o) { seen.append(o.value(QLatin1String("a")).toInt()); };
            s.feed(QByteArrayView(body).first(cut), collect);
            s.feed(QByteArrayView(body).sliced(cut), collect);
            QCOMPARE(seen, (QList<int>{1, 2, 3}));
            QCOMPARE(s.malformedLines(), 1);
        }
    }

    void logFramesSplitByStreamAndLine() {
        const QByteArray body = frame(1, "2026-11-24T18:00:00.000000001Z out one\n2026-11-24T18:00:00.5Z out ") +
                                frame(2, "2026-11-24T18:00:01Z err\n") + frame(1, "two\n") +
                                frame(1, "2026-11-24T18:00:02.000000002Z tail");
        for (int cut = 0; cut <= body.size(); ++cut) {
            LogFrameDecoder d(true);
            QList<LogLine> lines;
            const auto collect = [&](const LogLine& l) { lines.append(l); };
            d.feed(QByteArrayView(body).first(cut), collect);
            d.feed(QByteArrayView(body).sliced(cut), collect);
            d.flush(collect);
            QCOMPARE(lines.size(), 4);
            QCOMPARE(lines[0].text, QByteArray("out one"));
            QCOMPARE(lines[0].timeNano % 1'000'000'000, 1);
            QCOMPARE(lines[1].source, LogSource::Stderr);
            QCOMPARE(lines[1].text, QByteArray("err"));
            QCOMPARE(lines[2].text, QByteArray("out two"));
            QCOMPARE(lines[2].timeNano % 1'000'000'000, 500'000'000);
            QCOMPARE(lines[3].text, QByteArray("tail"));
        }
    }

    void timestampsRoundTrip() {
        const auto t = parseRfc3339Nano("2026-11-24T18:00:00.123456789Z");
        QVERIFY(t.has_value());
        QCOMPARE(*t, qint64(1795543200) * 1'000'000'000 + 123456789);
        QCOMPARE(toEngineSince(*t), QByteArray("1795543200.123456789"));
        QVERIFY(!parseRfc3339Nano("yesterday").has_value());
        QVERIFY(!parseRfc3339Nano("2026-11-24T18:00:00+01:00").has_value());
    }

    void resumePointDropsOnlyWhatWasDelivered() {
        ResumePoint r;
        QVERIFY(r.accept(10));
        QVERIFY(r.accept(20));
        QVERIFY(r.accept(20));   // two items share an instant
        QVERIFY(r.accept(15));   // live, slightly out of order: still new
        r.rewind();              // the engine replays from 20 on
        QVERIFY(!r.accept(15));
        QVERIFY(!r.accept(20));
        QVERIFY(!r.accept(20));
        QVERIFY(r.accept(20));   // a third item at 20 is new
        QVERIFY(r.accept(30));
        QCOMPARE(r.lastTimeNano(), 30);
        r.rewind();
        QVERIFY(!r.accept(30));
        QVERIFY(r.accept(31));
    }

    void filtersAreUrlEncodedJson() {
        const QByteArray enc = encodeFilters({{QStringLiteral("label"), {QStringLiteral("a=b")}}});
        const auto doc = QJsonDocument::fromJson(QByteArray::fromPercentEncoding(enc));
        QCOMPARE(doc.object().value(QLatin1String("label")).toArray().first().toString(), QStringLiteral("a=b"));
        QVERIFY(!enc.contains('{'));
        QVERIFY(encodeFilters({}).isEmpty());
    }

    void createBodyCarriesEveryOption() {
        const ContainerConfig c = serviceContainerConfig(webInstance(), kNode);
        const QJsonObject body = toCreateBody(c);
        const QJsonObject host = body.value(QLatin1String("HostConfig")).toObject();
        QCOMPARE(body.value(QLatin1String("Image")).toString(), QStringLiteral("kontena-test/busybox:1"));
        QCOMPARE(body.value(QLatin1String("StopSignal")).toString(), QStringLiteral("SIGINT"));
        QCOMPARE(body.value(QLatin1String("StopTimeout")).toInt(), 7);
        QVERIFY(body.value(QLatin1String("Volumes")).toObject().contains(QLatin1String("/cache")));
        QVERIFY(body.value(QLatin1String("ExposedPorts")).toObject().contains(QLatin1String("53/udp")));
        QCOMPARE(host.value(QLatin1String("Init")).toBool(), true);
        QCOMPARE(host.value(QLatin1String("Memory")).toInteger(), 64 << 20);
        QCOMPARE(host.value(QLatin1String("NanoCpus")).toInteger(), 250'000'000);
        QCOMPARE(host.value(QLatin1String("NetworkMode")).toString(), QStringLiteral("bridge"));
        QCOMPARE(host.value(QLatin1String("Binds")).toArray(),
                 QJsonArray({QStringLiteral("/srv:/srv:ro"), QStringLiteral("shop.data-2:/data")}));
        const QJsonObject binding = host.value(QLatin1String("PortBindings")).toObject()
                                        .value(QLatin1String("80/tcp")).toArray().first().toObject();
        QCOMPARE(binding.value(QLatin1String("HostIp")).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(binding.value(QLatin1String("HostPort")).toString(), QStringLiteral("8080"));
    }

    void labelsFollowKontena() {
        const Labels l = instanceLabels(webInstance(), kNode, ContainerRole::Service);
        QCOMPARE(l.value(QStringLiteral("io.kontena.service.id")), QStringLiteral("shop/web"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.service.name")), QStringLiteral("web"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.service.instance_number")), QStringLiteral("2"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.stack.name")), QStringLiteral("shop"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.grid.name")), QStringLiteral("testgrid"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.container.type")), QStringLiteral("container"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.container.name")), QStringLiteral("shop.web-2"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.container.deploy_rev")), QStringLiteral("1234"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.container.service_revision")), QStringLiteral("3"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.container.stop_grace_period")), QStringLiteral("7"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.health_check.uri")), QStringLiteral("/health"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.health_check.interval")), QStringLiteral("30"));
        QCOMPARE(l.value(QStringLiteral("io.kontena.health_check.initial_delay")), QStringLiteral("15"));
        const Labels data = instanceLabels(webInstance(), kNode, ContainerRole::Data);
        QCOMPARE(data.value(QStringLiteral("io.kontena.container.type")), QStringLiteral("volume"));
        QCOMPARE(data.value(QStringLiteral("io.kontena.container.name")), QStringLiteral("shop.web-2-volumes"));
        QVERIFY(!data.contains(QStringLiteral("io.kontena.health_check.protocol")));
    }

    void injectedEnvWinsOverTheServices() {
        const QStringList env = instanceEnv(webInstance(), kNode);
        QCOMPARE(env.first(), QStringLiteral("A=1"));
        // Docker keeps the last of duplicate keys: ours come last.
        QCOMPARE(env.lastIndexOf(QStringLiteral("KONTENA_NODE_NAME=node-1")) >
                     env.indexOf(QStringLiteral("KONTENA_NODE_NAME=spoofed")), true);
        for (const char* kv : {"KONTENA_SERVICE_ID=shop/web", "KONTENA_SERVICE_NAME=web", "KONTENA_GRID_NAME=testgrid",
                               "KONTENA_PLATFORM_NAME=testgrid", "KONTENA_STACK_NAME=shop",
                               "KONTENA_SERVICE_INSTANCE_NUMBER=2"})
            QVERIFY2(env.contains(QLatin1String(kv)), kv);
    }

    void statefulMovesAnonymousVolumesToTheDataContainer() {
        InstanceDesc in = webInstance();
        in.spec.stateful = true;
        const ContainerConfig svc = serviceContainerConfig(in, kNode);
        const ContainerConfig data = dataContainerConfig(in, kNode);
        QVERIFY(svc.anonymousVolumes.isEmpty());
        QCOMPARE(svc.volumesFrom, QStringList{QStringLiteral("shop.web-2-volumes")});
        QCOMPARE(data.anonymousVolumes, QStringList{QStringLiteral("/cache")});
        QCOMPARE(svc.binds.size(), 2);
    }

    void volumesFromGetsTheInstanceNumberAndStack() {
        ServiceSpec s;
        s.stack = "shop";
        s.volumesFrom = {"data-%s", "other.x-%i"};
        QCOMPARE(resolveVolumesFrom(s, 3), (QStringList{QStringLiteral("shop.data-3"), QStringLiteral("other.x-3")}));
        s.stack = "null";
        QCOMPARE(resolveVolumesFrom(s, 1).first(), QStringLiteral("data-1"));
    }

    void ownedContainersComeBackFromLabels() {
        ContainerSummary c;
        c.id = QStringLiteral("abc");
        c.name = QStringLiteral("shop.web-2");
        c.state = QStringLiteral("running");
        c.labels = instanceLabels(webInstance(), kNode, ContainerRole::Service);
        const auto o = ownedFromSummary(c);
        QVERIFY(o.has_value());
        QCOMPARE(o->serviceId, std::string("shop/web"));
        QCOMPARE(o->instanceNumber, 2);
        QCOMPARE(o->deployRev, 1234);
        QCOMPARE(o->serviceRevision, 3);
        QCOMPARE(o->state, ObservedState::Running);
        c.labels.clear();
        QVERIFY(!ownedFromSummary(c).has_value());
    }

    void engineErrorsKeepStatusAndMessage() {
        const EngineError e = engineErrorFromBody(404, "{\"message\":\"No such container: x\"}");
        QCOMPARE(e.httpStatus, 404);
        QCOMPARE(e.message, QStringLiteral("No such container: x"));
        QVERIFY(e.isNotFound());
        QCOMPARE(engineErrorFromBody(500, "plain").message, QStringLiteral("plain"));
        QCOMPARE(engineErrorFromBody(502, "").message, QStringLiteral("HTTP status 502"));
    }
};

QTEST_GUILESS_MAIN(TestDockerUnits)
#include "tst_docker_units.moc"
