// DockerRuntime against a real, private dockerd: Kontena's names, labels and
// env on real containers; convergence; stateful data containers; and a
// fresh runtime (a restarted agent) finding everything and duplicating nothing.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "backends/docker/docker_runtime.h"
#include "tests/docker/test_image.h"

using namespace kontena;
using namespace kontena::docker;
using kontena::testing::EngineFixture;
using kontena::testing::kTestImage;

namespace {

// Generous: CI runs the engine on 2 busy cores.
constexpr int kEngineWaitMs = 20000;

const NodeIdentity kNode{"testgrid", "node-1"};

InstanceDesc web(int n, int revision = 1, std::int64_t deployRev = 100) {
    InstanceDesc in;
    in.spec.stack = "shop";
    in.spec.name = "web";
    in.spec.image = kTestImage.toStdString();
    in.spec.cmd = {"sleep", "1000"};
    in.spec.env = {"FOO=bar"};
    in.spec.memory = 32 << 20;
    in.spec.stopGracePeriod = Duration::seconds(10);
    in.spec.ports = {PortSpec{"127.0.0.1", 0, 8080, "tcp"}};
    in.spec.healthCheck = HealthCheck{"http", 8080, "/", Duration::seconds(10), Duration::seconds(60),
                                      Duration::seconds(10)};
    in.instanceNumber = n;
    in.serviceRevision = revision;
    in.deployRev = deployRev;
    return in;
}

InstanceDesc db(int revision = 1) {
    InstanceDesc in;
    in.spec.stack = "shop";
    in.spec.name = "db";
    in.spec.image = kTestImage.toStdString();
    in.spec.stateful = true;
    in.spec.volumes = {VolumeMount{VolumeKind::Anonymous, "", "/data", ""}};
    in.spec.cmd = {"/bin/sh", "-c",
                   "if [ -f /data/seen ]; then echo again; else echo first; touch /data/seen; fi; exec sleep 1000"};
    in.spec.stopGracePeriod = Duration::seconds(2);
    in.serviceRevision = revision;
    return in;
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

class TestDockerRuntime : public QObject {
    Q_OBJECT
    EngineFixture fx;
    DockerClient client{QString()};
    std::unique_ptr<DockerRuntime> runtime;

    QString idOf(const QString& name) {
        const auto info = client.inspectContainer(name);
        return info ? info.value().id : QString();
    }
    int containersNamed(const QString& name) {
        const auto list = client.listContainers({{QStringLiteral("name"), {u'^' + name + u'$'}}});
        return list ? int(list.value().size()) : -1;
    }
    QByteArrayList stdoutOf(const QString& name) {
        QByteArrayList out;
        LogOptions o;
        o.stderrStream = false;
        const auto lines = client.containerLogs(name, o);
        if (lines) {
            for (const LogLine& l : lines.value())
                out.append(l.text);
        }
        return out;
    }

private slots:
    void initTestCase() {
        const QString failure = fx.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        client = fx.dockerd.client();
        runtime = std::make_unique<DockerRuntime>(client, kNode);
    }
    void init() {
        if (!runtime)
            runtime = std::make_unique<DockerRuntime>(client, kNode);
    }
    void cleanupTestCase() {
        runtime.reset();
        auto stopped = fx.dockerd.stop();
        QVERIFY2(stopped, stopped ? "" : qPrintable(stopped.error().message));
    }

    void ensureCreatesAndStartsWithKontenaIdentity() {
        const auto r = runtime->ensure(web(1), DesiredState::Running);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QVERIFY(r.value().created && r.value().started);
        QVERIFY(!r.value().recreated && !r.value().stopped);
        const OwnedContainer& c = r.value().container;
        QCOMPARE(c.name, std::string("shop.web-1"));
        QCOMPARE(c.serviceId, std::string("shop/web"));
        QCOMPARE(c.instanceNumber, 1);
        QCOMPARE(c.deployRev, 100);
        QCOMPARE(c.serviceRevision, 1);
        QCOMPARE(c.role, ContainerRole::Service);
        QCOMPARE(c.state, ObservedState::Running);

        const auto info = client.inspectContainer(QStringLiteral("shop.web-1"));
        QVERIFY(info);
        const Labels& l = info.value().labels;
        const QList<std::pair<const char*, const char*>> expected{
            {"io.kontena.service.id", "shop/web"}, {"io.kontena.service.name", "web"},
            {"io.kontena.service.instance_number", "1"}, {"io.kontena.stack.name", "shop"},
            {"io.kontena.grid.name", "testgrid"}, {"io.kontena.container.type", "container"},
            {"io.kontena.container.name", "shop.web-1"}, {"io.kontena.container.deploy_rev", "100"},
            {"io.kontena.container.service_revision", "1"}, {"io.kontena.container.stop_grace_period", "10"},
            {"io.kontena.health_check.protocol", "http"}, {"io.kontena.health_check.port", "8080"},
            {"io.kontena.health_check.uri", "/"}, {"io.kontena.health_check.timeout", "10"},
            {"io.kontena.health_check.interval", "60"}, {"io.kontena.health_check.initial_delay", "10"}};
        for (const auto& [key, value] : expected)
            QVERIFY2(l.value(QLatin1String(key)) == QLatin1String(value), key);
        const QStringList& env = info.value().env;
        for (const char* kv : {"FOO=bar", "KONTENA_SERVICE_ID=shop/web", "KONTENA_SERVICE_NAME=web",
                               "KONTENA_GRID_NAME=testgrid", "KONTENA_PLATFORM_NAME=testgrid",
                               "KONTENA_STACK_NAME=shop", "KONTENA_NODE_NAME=node-1",
                               "KONTENA_SERVICE_INSTANCE_NUMBER=1"})
            QVERIFY2(env.contains(QLatin1String(kv)), kv);
        const QJsonObject host = info.value().raw.value(QLatin1String("HostConfig")).toObject();
        QCOMPARE(host.value(QLatin1String("Init")).toBool(), true);
        QCOMPARE(host.value(QLatin1String("Memory")).toInteger(), 32 << 20);
        QCOMPARE(info.value().raw.value(QLatin1String("Config")).toObject().value(QLatin1String("StopTimeout")).toInt(), 10);
        QCOMPARE(info.value().imageId, fx.imageId);
    }

    void ensureIsIdempotent() {
        const QString id = idOf(QStringLiteral("shop.web-1"));
        const auto r = runtime->ensure(web(1), DesiredState::Running);
        QVERIFY(r);
        QVERIFY(!r.value().created && !r.value().recreated && !r.value().started && !r.value().stopped);
        QCOMPARE(q(r.value().container.id), id);
    }

    void ensureStopsAndStarts() {
        QElapsedTimer t;
        t.start();
        auto r = runtime->ensure(web(1), DesiredState::Stopped);
        QVERIFY(r && r.value().stopped);
        QVERIFY2(t.elapsed() < 8000, "SIGTERM reaches the process through init: no wait for the 10 s grace period");
        QCOMPARE(r.value().container.state, ObservedState::Exited);
        r = runtime->ensure(web(1), DesiredState::Running);
        QVERIFY(r && r.value().started);
        QCOMPARE(r.value().container.state, ObservedState::Running);
    }

    void newerServiceRevisionRecreates() {
        const QString before = idOf(QStringLiteral("shop.web-1"));
        const auto r = runtime->ensure(web(1, 2), DesiredState::Running);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QVERIFY(r.value().recreated && r.value().started && !r.value().created);
        QVERIFY(q(r.value().container.id) != before);
        QCOMPARE(r.value().container.serviceRevision, 2);
        QCOMPARE(containersNamed(QStringLiteral("shop.web-1")), 1);
        // An older revision never replaces a newer container.
        const auto older = runtime->ensure(web(1, 1), DesiredState::Running);
        QVERIFY(older && !older.value().recreated);
    }

    void newDeployRecreatesOnlyWhenTheImageChanged() {
        const QString before = idOf(QStringLiteral("shop.web-1"));
        auto r = runtime->ensure(web(1, 2, 101), DesiredState::Running);
        QVERIFY(r && !r.value().recreated);
        QCOMPARE(q(r.value().container.id), before);

        const auto rebuilt = fx.dockerd.buildBusyboxImage(kTestImage, QStringLiteral("[\"/bin/true\"]"));
        QVERIFY2(rebuilt, rebuilt ? "" : qPrintable(rebuilt.error().message));
        QVERIFY(rebuilt.value() != fx.imageId);
        r = runtime->ensure(web(1, 2, 102), DesiredState::Running);
        QVERIFY(r && r.value().recreated);
        QCOMPARE(r.value().container.deployRev, 102);
        QCOMPARE(client.inspectContainer(QStringLiteral("shop.web-1")).value().imageId, rebuilt.value());
        fx.imageId = rebuilt.value();
    }

    void restartAndStop() {
        const QString started = client.inspectContainer(QStringLiteral("shop.web-1")).value().state.startedAt;
        QVERIFY(runtime->restart("shop.web-1", Duration::seconds(3)));
        const auto info = client.inspectContainer(QStringLiteral("shop.web-1"));
        QVERIFY(info.value().state.running);
        QVERIFY(info.value().state.startedAt != started);
        QVERIFY(runtime->stop("shop.web-1", Duration::seconds(3)));
        QVERIFY(!client.inspectContainer(QStringLiteral("shop.web-1")).value().state.running);
        QVERIFY(runtime->start("shop.web-1"));
        QCOMPARE(runtime->start("shop.nope-1").error().code, 404);
        QCOMPARE(runtime->stop("shop.nope-1", Duration::seconds(1)).error().code, 404);
    }

    void statefulKeepsDataAcrossRecreate() {
        auto r = runtime->ensure(db(1), DesiredState::Running);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(stdoutOf(QStringLiteral("shop.db-1")), QByteArrayList{"first"}, kEngineWaitMs);
        const auto data = client.inspectContainer(QStringLiteral("shop.db-1-volumes"));
        QVERIFY(data);
        QCOMPARE(data.value().labels.value(QStringLiteral("io.kontena.container.type")), QStringLiteral("volume"));
        QCOMPARE(data.value().state.status, QStringLiteral("created"));
        const QJsonArray from = client.inspectContainer(QStringLiteral("shop.db-1")).value().raw
                                    .value(QLatin1String("HostConfig")).toObject()
                                    .value(QLatin1String("VolumesFrom")).toArray();
        QCOMPARE(from, QJsonArray{QStringLiteral("shop.db-1-volumes")});

        r = runtime->ensure(db(2), DesiredState::Running);
        QVERIFY(r && r.value().recreated);
        QTRY_COMPARE_WITH_TIMEOUT(stdoutOf(QStringLiteral("shop.db-1")), QByteArrayList{"again"}, kEngineWaitMs);
        QCOMPARE(idOf(QStringLiteral("shop.db-1-volumes")), data.value().id);
    }

    void volumesFromGetsTheInstancesContainer() {
        InstanceDesc app;
        app.spec.stack = "shop";
        app.spec.name = "app";
        app.spec.image = kTestImage.toStdString();
        app.spec.volumesFrom = {"db-%s"};
        app.spec.cmd = {"/bin/sh", "-c", "test -f /data/seen && exec sleep 1000"};
        const auto r = runtime->ensure(app, DesiredState::Running);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        const auto info = client.inspectContainer(QStringLiteral("shop.app-1"));
        QCOMPARE(info.value().raw.value(QLatin1String("HostConfig")).toObject()
                     .value(QLatin1String("VolumesFrom")).toArray(), QJsonArray{QStringLiteral("shop.db-1")});
        QTest::qWait(300);
        QVERIFY2(client.inspectContainer(QStringLiteral("shop.app-1")).value().state.running,
                 "sees the stateful instance's /data");
    }

    // A restarted agent: a new runtime object over the same engine.
    void listOwnedAfterRecreatingTheRuntime() {
        QVERIFY(runtime->ensure(web(2, 2, 102), DesiredState::Running));
        QVERIFY(runtime->ensure(web(3, 2, 102), DesiredState::Stopped));
        DockerRuntime otherGrid(client, NodeIdentity{"othergrid", "node-1"});
        InstanceDesc foreign = web(1);
        foreign.spec.stack = "elsewhere";
        QVERIFY(otherGrid.ensure(foreign, DesiredState::Stopped));
        ContainerConfig plain;
        plain.image = kTestImage;
        QVERIFY(client.createContainer(QStringLiteral("not-kontena"), plain));

        const auto total = client.listContainers({}).value().size();
        runtime.reset();
        DockerRuntime fresh(fx.dockerd.client(), kNode);
        const auto owned = fresh.listOwned();
        QVERIFY(owned);
        QStringList names;
        for (const OwnedContainer& o : owned.value())
            names.append(q(o.name));
        QCOMPARE(names, (QStringList{QStringLiteral("shop.app-1"), QStringLiteral("shop.db-1"),
                                     QStringLiteral("shop.db-1-volumes"), QStringLiteral("shop.web-1"),
                                     QStringLiteral("shop.web-2"), QStringLiteral("shop.web-3")}));
        const OwnedContainer& dbData = owned.value()[2];
        QCOMPARE(dbData.role, ContainerRole::Data);
        QCOMPARE(dbData.serviceId, std::string("shop/db"));
        QCOMPARE(owned.value()[5].instanceNumber, 3);
        QCOMPARE(owned.value()[5].state, ObservedState::Created);   // ensured Stopped: never started
        QCOMPARE(owned.value()[4].deployRev, 102);

        for (int n : {1, 2, 3}) {
            const auto r = fresh.ensure(web(n, 2, 102), DesiredState::Running);
            QVERIFY2(r, r ? "" : r.error().message.c_str());
            QVERIFY(!r.value().created && !r.value().recreated);
        }
        QVERIFY(fresh.ensure(db(2), DesiredState::Running) && !fresh.ensure(db(2), DesiredState::Running).value().created);
        QCOMPARE(client.listContainers({}).value().size(), total);
        const auto twice = fresh.create(web(1, 2, 102));
        QVERIFY(!twice);
        QCOMPARE(twice.error().code, 409);
        runtime = std::make_unique<DockerRuntime>(client, kNode);
    }

    void removeAndTerminate() {
        QVERIFY(runtime->remove("shop.web-2", Duration::seconds(3), false));
        QCOMPARE(client.inspectContainer(QStringLiteral("shop.web-2")).error().httpStatus, 404);
        QVERIFY2(runtime->remove("shop.web-2", Duration::seconds(3), false), "missing counts as removed");
        QVERIFY(runtime->remove("shop.app-1", Duration::seconds(1), false));
        QVERIFY(runtime->remove("shop.db-1", Duration::seconds(2), true));
        QCOMPARE(client.inspectContainer(QStringLiteral("shop.db-1")).error().httpStatus, 404);
        QCOMPARE(client.inspectContainer(QStringLiteral("shop.db-1-volumes")).error().httpStatus, 404);
        const auto owned = runtime->listOwned();
        QCOMPARE(owned.value().size(), size_t(2));
    }

    void volumes() {
        QVERIFY(runtime->ensureVolume("shop.data-1", "local", {}));
        QVERIFY2(runtime->ensureVolume("shop.data-1", "local", {}), "existing counts as made");
        const auto v = client.inspectVolume(QStringLiteral("shop.data-1"));
        QVERIFY(v);
        QCOMPARE(v.value().driver, QStringLiteral("local"));
        QCOMPARE(v.value().labels.value(QStringLiteral("io.kontena.grid.name")), QStringLiteral("testgrid"));
        QVERIFY(runtime->removeVolume("shop.data-1"));
        QVERIFY(runtime->removeVolume("shop.data-1"));
        QCOMPARE(client.inspectVolume(QStringLiteral("shop.data-1")).error().httpStatus, 404);
    }

    // Reference §5.3: two stacks mounting the same stack-local key `data`
    // of a stack-scoped Kontena volume get `<stack>.<volume>` each, made
    // with the volume's driver and options; an instance-scoped one gets
    // `<stack>.<service>.<volume>-<n>`. They never share a Docker volume.
    void scopedKontenaVolumes() {
        Volume shared;
        shared.name = "files";
        shared.scope = VolumeScope::Stack;
        shared.driverOpts = {{"type", "tmpfs"}, {"device", "tmpfs"}};
        Volume own = shared;
        own.name = "cache";
        own.scope = VolumeScope::Instance;
        own.driverOpts.clear();
        auto app = [&](const std::string& stack, const std::string& marker) {
            InstanceDesc in;
            in.spec.stack = stack;
            in.spec.name = "app";
            in.spec.image = kTestImage.toStdString();
            in.spec.volumes = {VolumeMount{VolumeKind::Named, "data", "/data", "", shared},
                               VolumeMount{VolumeKind::Named, "tmp", "/tmp/c", "", own}};
            in.spec.cmd = {"/bin/sh", "-c", "echo " + marker + " > /data/who; exec sleep 1000"};
            in.spec.stopGracePeriod = Duration::seconds(1);
            return in;
        };
        for (const char* stack : {"blue", "green"}) {
            const auto r = runtime->ensure(app(stack, stack), DesiredState::Running);
            QVERIFY2(r, r ? "" : r.error().message.c_str());
        }
        for (const char* stack : {"blue", "green"}) {
            const QString name = QString::fromLatin1(stack);
            const auto v = client.inspectVolume(name + QStringLiteral(".files"));
            QVERIFY2(v, qPrintable(name));
            QCOMPARE(v.value().driver, QStringLiteral("local"));
            QCOMPARE(v.value().options.value(QStringLiteral("type")), QStringLiteral("tmpfs"));
            QVERIFY(client.inspectVolume(name + QStringLiteral(".app.cache-1")));
            const QJsonArray binds = client.inspectContainer(name + QStringLiteral(".app-1")).value().raw
                                         .value(QLatin1String("HostConfig")).toObject().value(QLatin1String("Binds")).toArray();
            const QString files = name + QStringLiteral(".files:/data"), cache = name + QStringLiteral(".app.cache-1:/tmp/c");
            QVERIFY2(binds.contains(QJsonValue(files)) && binds.contains(QJsonValue(cache)), QJsonDocument(binds).toJson().constData());
        }
        QCOMPARE(client.inspectVolume(QStringLiteral("data")).error().httpStatus, 404);   // never the stack-local key
        for (const char* stack : {"blue", "green"}) {
            const std::string name = std::string(stack) + ".app-1";
            QVERIFY(runtime->remove(name, Duration::seconds(1), true));
            QVERIFY(runtime->removeVolume(std::string(stack) + ".files"));
            QVERIFY(runtime->removeVolume(std::string(stack) + ".app.cache-1"));
        }
    }

    void strangersContainerIsLeftAlone() {
        ContainerConfig plain;
        plain.image = kTestImage;
        plain.cmd = {QStringLiteral("sleep"), QStringLiteral("100")};
        const auto id = client.createContainer(QStringLiteral("shop.web-8"), plain);
        QVERIFY(id);
        const auto r = runtime->ensure(web(8), DesiredState::Running);
        QVERIFY(!r);
        QCOMPARE(r.error().code, 409);
        QVERIFY2(r.error().message.find("not instance shop/web/8") != std::string::npos, r.error().message.c_str());
        QCOMPARE(idOf(QStringLiteral("shop.web-8")), id.value());
        QCOMPARE(client.inspectContainer(QStringLiteral("shop.web-8")).value().state.status, QStringLiteral("created"));
        QCOMPARE(runtime->remove("shop.web-8", Duration::seconds(1), true).error().code, 409);
        QCOMPARE(idOf(QStringLiteral("shop.web-8")), id.value());
        QVERIFY(client.removeContainer(id.value(), true));
    }

    void missingImageWithoutRegistry() {
        InstanceDesc in = web(7);
        in.spec.image = "127.0.0.1:1/kontena-test/absent:1";   // a registry that refuses, on loopback
        const auto r = runtime->ensure(in, DesiredState::Running);
        QVERIFY(!r);
        QVERIFY(r.error().code >= 400);
        QVERIFY2(q(r.error().message).startsWith(QStringLiteral("pulling 127.0.0.1:1/kontena-test/absent:1: ")),
                 r.error().message.c_str());
        QCOMPARE(client.inspectContainer(QStringLiteral("shop.web-7")).error().httpStatus, 404);
    }
};

QTEST_GUILESS_MAIN(TestDockerRuntime)
#include "tst_docker_runtime.moc"
