// Service keys (reference 6.4, 5.2, 6.5, 8.1): syntax, defaults, and the
// error each malformed value gets.
#include <QTest>

#include "stack_test_support.h"
#include "stacks/service.h"
#include "stacks/service_syntax.h"

using namespace stacktest;
using kontena::stacks::LoadResult;

namespace {

// A stack with service `app` whose definition lines (indented by 4) follow
// `image: app` unless the definition sets its own image.
LoadResult loadService(const std::string& definition, const std::string& tail = "") {
    TestSetup t;
    std::string def = definition;
    if (def.rfind("    image:", 0) != 0) def = "    image: app\n" + def;
    return t.load("stack: test/svc\nservices:\n  app:\n" + def + tail);
}

const kontena::ServiceSpec& spec(const LoadResult& r) { return r.stack->services.at(0).spec; }

}  // namespace

class TestStacksServices : public QObject {
    Q_OBJECT

private slots:
    void defaults() {
        LoadResult r = loadService("");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto& s = spec(r);
        QCOMPARE(s.name, std::string("app"));
        QCOMPARE(s.stack, std::string("svc"));
        QCOMPARE(s.image, std::string("app:latest"));
        QCOMPARE(s.instances, 1);
        QCOMPARE(s.stateful, false);
        QVERIFY(s.strategy == kontena::Strategy::Ha);
        QCOMPARE(s.net, std::string("bridge"));
        QCOMPARE(s.stopGracePeriod, kontena::Duration::seconds(10));
        QCOMPARE(s.deploy.minHealth, 0.8);
    }

    void imageTagRule_data() {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no tag") << "redis" << "redis:latest";
        QTest::newRow("tag") << "redis:3.2" << "redis:3.2";
        QTest::newRow("registry port, no tag") << "host:5000/app" << "host:5000/app";
        QTest::newRow("path") << "kontena/lb" << "kontena/lb:latest";
    }
    void imageTagRule() {
        QFETCH(QString, image);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(kontena::stacks::normalizeImage(image.toStdString())), expected);
        LoadResult r = loadService("    image: '" + image.toStdString() + "'\n");
        QCOMPARE(QString::fromStdString(spec(r).image), expected);
    }

    void keys() {
        LoadResult r = loadService(
            "    instances: 3\n"
            "    stateful: false\n"
            "    deploy:\n      strategy: daemon\n      wait_for_port: 80\n      min_health: 0.5\n      interval: 12h\n"
            "    affinity: ['label==az=a', 'node!=n1']\n"
            "    environment:\n      A: 1\n      B: true\n      C: ~\n"
            "    secrets:\n      - secret: s\n        name: S\n        type: env\n"
            "    certificates:\n      - subject: a.com\n        name: SSL\n        type: env\n"
            "    links: [db, 'db:database', 'other/cache', 'other/cache:c']\n"
            "    volumes: ['/data', '/host:/c:ro', 'vol:/v']\n"
            "    volumes_from: ['db-%s', 'db-1']\n"
            "    ports: ['80:8080', '127.0.0.1:53:53/udp']\n"
            "    command: sh -c 'echo \"hi there\"'\n"
            "    entrypoint: /bin/run --flag\n"
            "    cpus: 1.5\n    cpu_shares: 512\n"
            "    mem_limit: 512m\n    memswap_limit: 1g\n    shm_size: 64k\n"
            "    network_mode: host\n    pid: host\n"
            "    privileged: true\n    cap_add: [NET_ADMIN]\n    cap_drop: [ALL]\n    user: nobody\n    read_only: true\n"
            "    logging:\n      driver: syslog\n      options:\n        tag: app\n"
            "    health_check:\n      protocol: http\n      port: 8080\n      uri: /health\n      timeout: 5\n      interval: 30\n      initial_delay: 20\n"
            "    hooks:\n      post_start:\n        - name: init\n          cmd: sleep 1\n          instances: 1\n          oneshot: true\n"
            "    stop_signal: SIGRTMIN+3\n    stop_grace_period: 1m30s\n"
            "    build:\n      context: .\n      dockerfile: Dockerfile.x\n      args:\n        a: b\n"
            "    external_links: [legacy]\n"
            "  db:\n    image: postgres\n",
            "volumes:\n  vol:\n    external: true\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto& s = spec(r);
        QCOMPARE(s.instances, 3);
        QVERIFY(!s.stateful);
        QVERIFY(s.strategy == kontena::Strategy::Daemon);
        QCOMPARE(s.deploy.waitForPort.value_or(0), 80);
        QCOMPARE(s.deploy.minHealth, 0.5);
        QCOMPARE(s.deploy.interval.value_or(kontena::Duration()), kontena::Duration::hours(12));
        QCOMPARE(s.affinity, (std::vector<std::string>{"label==az=a", "node!=n1"}));
        QCOMPARE(s.env, (std::vector<std::string>{"A=1", "B=true", "C="}));
        QCOMPARE(s.secrets.at(0), (kontena::SecretRef{"s", "S", "env"}));
        QCOMPARE(s.certificates.at(0), (kontena::SecretRef{"a.com", "SSL", "env"}));
        QCOMPARE(s.links.size(), std::size_t(4));
        QCOMPARE(s.links[1], (kontena::Link{"", "db", "database"}));
        QCOMPARE(s.links[3], (kontena::Link{"other", "cache", "c"}));
        QCOMPARE(s.volumes.at(0).kind, kontena::VolumeKind::Anonymous);
        QCOMPARE(s.volumes.at(1), (kontena::VolumeMount{kontena::VolumeKind::Bind, "/host", "/c", "ro"}));
        QCOMPARE(s.volumes.at(2).kind, kontena::VolumeKind::Named);
        QCOMPARE(s.volumesFrom, (std::vector<std::string>{"db-%s", "db-1"}));
        QCOMPARE(s.ports.at(0), (kontena::PortSpec{"0.0.0.0", 80, 8080, "tcp"}));
        QCOMPARE(s.ports.at(1), (kontena::PortSpec{"127.0.0.1", 53, 53, "udp"}));
        QCOMPARE(s.cmd, (std::vector<std::string>{"sh", "-c", "echo \"hi there\""}));
        QCOMPARE(s.entrypoint, (std::vector<std::string>{"/bin/run", "--flag"}));
        QCOMPARE(s.cpus.value_or(0), 1.5);
        QCOMPARE(s.cpuShares.value_or(0), 512);
        QCOMPARE(s.memory.value_or(0), std::int64_t(512) << 20);
        QCOMPARE(s.memorySwap.value_or(0), std::int64_t(1) << 30);
        QCOMPARE(s.shmSize.value_or(0), std::int64_t(64) << 10);
        QCOMPARE(s.net, std::string("host"));
        QCOMPARE(s.pid, std::string("host"));
        QVERIFY(s.privileged && s.readOnly);
        QCOMPARE(s.capAdd.at(0), std::string("NET_ADMIN"));
        QCOMPARE(s.capDrop.at(0), std::string("ALL"));
        QCOMPARE(s.user, std::string("nobody"));
        QCOMPARE(s.logDriver, std::string("syslog"));
        QCOMPARE(s.logOpts.at("tag"), std::string("app"));
        QVERIFY(s.healthCheck.has_value());
        QCOMPARE(s.healthCheck->uri, std::string("/health"));
        QCOMPARE(s.healthCheck->timeout, kontena::Duration::seconds(5));
        QCOMPARE(s.healthCheck->interval, kontena::Duration::seconds(30));
        QCOMPARE(s.healthCheck->initialDelay, kontena::Duration::seconds(20));
        QCOMPARE(s.hooks.at(0), (kontena::Hook{"post_start", "init", "sleep 1", "1", true}));
        QCOMPARE(s.stopSignal, std::string("SIGRTMIN+3"));
        QCOMPARE(s.stopGracePeriod, kontena::Duration::seconds(90));
        const auto& svc = r.stack->services.at(0);
        QVERIFY(svc.build.has_value());
        QCOMPARE(svc.build->dockerfile, std::string("Dockerfile.x"));
        QCOMPARE(svc.build->args.at(0), std::string("a=b"));
        QCOMPARE(svc.externalLinks.at(0), std::string("legacy"));
    }

    void environmentListAndDependsOn() {
        LoadResult r = loadService("    environment:\n      - A=1\n      - B=x=y\n    depends_on: [db]\n  db:\n    image: db\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(spec(r).env, (std::vector<std::string>{"A=1", "B=x=y"}));
        QCOMPARE(spec(r).links.at(0), (kontena::Link{"", "db", "db"}));
    }

    void memSwapLimitBothSpellings() {
        QCOMPARE(spec(loadService("    mem_swaplimit: 2g\n")).memorySwap.value_or(0), std::int64_t(2) << 30);
        QCOMPARE(spec(loadService("    memswap_limit: 2g\n")).memorySwap.value_or(0), std::int64_t(2) << 30);
    }

    void healthCheckDefaults() {
        LoadResult r = loadService("    health_check:\n      protocol: tcp\n      port: 6379\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto& hc = *spec(r).healthCheck;
        QCOMPARE(hc.timeout, kontena::Duration::seconds(10));
        QCOMPARE(hc.interval, kontena::Duration::seconds(60));
        QCOMPARE(hc.initialDelay, kontena::Duration::seconds(10));
        QCOMPARE(hc.uri, std::string("/"));
        // protocol and port both null: no health check (8.1)
        r = loadService("    health_check:\n      protocol: ~\n      port: ~\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(!spec(r).healthCheck);
        // equal interval and timeout are allowed
        r = loadService("    health_check:\n      protocol: tcp\n      port: 1\n      timeout: 30\n      interval: 30\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
    }

    void hookInstancesForms() {
        LoadResult r = loadService("    hooks:\n      pre_start:\n        - {name: a, cmd: x, instances: '*'}\n        - {name: b, cmd: y, instances: '1,3'}\n"
                                   "      pre_build:\n        - {name: c, cmd: make}\n      pre_stop:\n        - {name: d, cmd: z}\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto& hooks = spec(r).hooks;
        QCOMPARE(hooks.size(), std::size_t(4));
        QCOMPARE(hooks[0].instances, std::string("*"));
        QCOMPARE(hooks[1].instances, std::string("1,3"));
        QCOMPARE(hooks[2].kind, std::string("pre_build"));
        QCOMPARE(hooks[3].instances, std::string("*"));
    }

    void errors_data() {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<QString>("message");
        QTest::newRow("instances") << "    instances: three\n" << "test.yml:5:16: services.app.instances: expected an integer, got \"three\"";
        QTest::newRow("instances quoted") << "    instances: '3'\n" << "services.app.instances: expected an integer, got \"3\"";
        QTest::newRow("image missing") << "    image: ''\n" << "services.app: image is missing";
        QTest::newRow("image type") << "    image: [a]\n" << "services.app.image: expected a string, got a list";
        QTest::newRow("image boolean") << "    image: true\n" << "test.yml:4:12: services.app.image: expected a string, got the boolean true (quote it to use it as text)";
        QTest::newRow("image number") << "    image: 1.5\n" << "services.app.image: expected a string, got the number 1.5";
        QTest::newRow("command number") << "    command: 1234\n" << "services.app.command: expected a string, got the number 1234";
        QTest::newRow("entrypoint boolean") << "    entrypoint: yes\n" << "services.app.entrypoint: expected a string, got the boolean yes";
        QTest::newRow("build number") << "    build: 7\n" << "services.app.build: expected a string, got the number 7";
        QTest::newRow("build.dockerfile number") << "    build:\n      context: .\n      dockerfile: 123\n" << "services.app.build.dockerfile: expected a string, got the number 123";
        QTest::newRow("build.context boolean") << "    build:\n      context: false\n" << "services.app.build.context: expected a string, got the boolean false";
        QTest::newRow("stateful") << "    stateful: 'true'\n" << "services.app.stateful: expected a boolean, got \"true\"";
        QTest::newRow("unknown key") << "    restart: always\n" << "services.app.restart: key not expected";
        QTest::newRow("legacy key") << "    net: host\n" << "services.app.net: key not expected (legacy key: use network_mode)";
        QTest::newRow("strategy") << "    deploy:\n      strategy: best\n" << "services.app.deploy.strategy: expected one of ha, daemon, random";
        QTest::newRow("deploy key") << "    deploy:\n      speed: 3\n" << "services.app.deploy.speed: key not expected";
        QTest::newRow("min_health") << "    deploy:\n      min_health: 2\n" << "between 0 and 1";
        QTest::newRow("interval") << "    deploy:\n      interval: 3 weeks\n" << "services.app.deploy.interval: expected an interval";
        QTest::newRow("affinity op") << "    affinity: [label=ssd]\n" << "services.app.affinity[0]: affinity rule \"label=ssd\" must contain == or !=";
        QTest::newRow("affinity type") << "    affinity: label==ssd\n" << "services.app.affinity: expected a list";
        QTest::newRow("environment entry") << "    environment: [NOVALUE]\n" << "services.app.environment[0]: expected KEY=VALUE";
        QTest::newRow("environment empty key") << "    environment: ['=x']\n" << "expected KEY=VALUE";
        QTest::newRow("environment value") << "    environment:\n      A: [1]\n" << "services.app.environment.A: expected a string, number, boolean or null";
        QTest::newRow("environment type") << "    environment: text\n" << "expected a list or a mapping";
        QTest::newRow("secret missing key") << "    secrets:\n      - secret: s\n        name: S\n" << "services.app.secrets[0]: missing required key 'type'";
        QTest::newRow("certificate missing key") << "    certificates:\n      - name: S\n        type: env\n" << "missing required key 'subject'";
        QTest::newRow("link syntax") << "    links: ['a/b/c']\n" << "services.app.links[0]: expected svc";
        QTest::newRow("link target") << "    links: [nope]\n" << "services.app.links: service 'nope' is not defined";
        QTest::newRow("depends_on target") << "    depends_on: [nope]\n" << "services.app.depends_on: service 'nope' is not defined";
        QTest::newRow("volume syntax") << "    volumes: ['relative/path']\n" << "Volume definition 'relative/path' not in right format";
        QTest::newRow("volume no section") << "    volumes: ['data:/data']\n" << "defines volume name, but file does not contain volumes definitions";
        QTest::newRow("duplicate mount") << "    volumes: ['/a:/data', '/b:/data']\n" << "services.app.volumes: mount point /data defined 2 times";
        QTest::newRow("port int") << "    ports: [80]\n" << "services.app.ports[0]: expected a port mapping string";
        QTest::newRow("port syntax") << "    ports: ['80:x']\n" << "expected a port mapping";
        QTest::newRow("port range") << "    ports: ['80:70000']\n" << "expected a port mapping";
        QTest::newRow("command type") << "    command: [a, b]\n" << "services.app.command: expected a string";
        QTest::newRow("command quotes") << "    command: \"sh -c 'x\"\n" << "unbalanced quotes";
        QTest::newRow("cpus") << "    cpus: lots\n" << "services.app.cpus: expected a number";
        QTest::newRow("cpu_shares range") << "    cpu_shares: 2048\n" << "expected an integer 0..1024";
        QTest::newRow("mem_limit") << "    mem_limit: 1t\n" << "services.app.mem_limit: expected a size";
        QTest::newRow("shm_size") << "    shm_size: lots\n" << "services.app.shm_size: expected a size";
        QTest::newRow("network_mode") << "    network_mode: overlay\n" << "expected bridge or host";
        QTest::newRow("pid") << "    pid: container\n" << "services.app.pid: expected host";
        QTest::newRow("logging options") << "    logging:\n      options: [a]\n" << "services.app.logging.options: expected a mapping";
        QTest::newRow("health protocol") << "    health_check:\n      protocol: udp\n      port: 1\n" << "expected http or tcp";
        QTest::newRow("health port") << "    health_check:\n      protocol: tcp\n      port: 0\n" << "expected a port number";
        QTest::newRow("health partial") << "    health_check:\n      protocol: tcp\n" << "needs both protocol and port";
        QTest::newRow("health interval") << "    health_check:\n      protocol: tcp\n      port: 1\n      timeout: 30\n      interval: 10\n"
                                         << "Interval has to be bigger than timeout";
        QTest::newRow("hook kind") << "    hooks:\n      post_deploy: []\n" << "services.app.hooks.post_deploy: key not expected";
        QTest::newRow("hook field") << "    hooks:\n      post_start:\n        - name: x\n" << "services.app.hooks.post_start[0]: missing required key 'cmd'";
        QTest::newRow("hook instances") << "    hooks:\n      post_start:\n        - {name: x, cmd: y, instances: first}\n" << "expected an instance number";
        QTest::newRow("hook oneshot") << "    hooks:\n      post_start:\n        - {name: x, cmd: y, oneshot: maybe}\n" << "expected a boolean";
        QTest::newRow("stop_signal") << "    stop_signal: TERM\n" << "services.app.stop_signal: expected a signal";
        QTest::newRow("stop_grace_period") << "    stop_grace_period: soon\n" << "services.app.stop_grace_period: expected a duration";
        QTest::newRow("build map") << "    build:\n      dockerfile: x\n" << "services.app.build: missing required key 'context'";
        QTest::newRow("not a mapping") << "    image: x\n  other: text\n" << "services.other: expected a mapping";
        QTest::newRow("volumes_from target") << "    volumes_from: ['ghost-%s']\n" << "services.app.volumes_from: service 'ghost'";
        QTest::newRow("stateful volumes_from") << "    stateful: true\n    volumes_from: [x]\n" << "Cannot combine stateful & volumes_from";
        QTest::newRow("stateful") << "    stateful: yes please\n" << "services.app.stateful: expected a boolean";
        QTest::newRow("service name") << "    image: x\n  -bad:\n    image: y\n" << "service name must match";
    }
    void errors() {
        QFETCH(QString, definition);
        QFETCH(QString, message);
        LoadResult r = loadService(definition.toStdString());
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {message.toStdString()}), qPrintable(describe(r)));
    }

    // Several problems in one file are all reported.
    void allErrorsReported() {
        LoadResult r = loadService("    instances: x\n    stateful: 1\n    ports: [80]\n    omg: 1\n");
        QCOMPARE(r.diagnostics.errorCount(), std::size_t(4));
    }

    void volumeReferences() {
        LoadResult r = loadService("    volumes: ['data:/data']\n", "volumes:\n  other:\n    external: true\n");
        QVERIFY(hasError(r, {"volume 'data' not found in top level volumes list"}));
        r = loadService("    volumes: ['data:/data']\n", "volumes:\n  data:\n    external:\n      name: shared-data\n    scope: grid\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->volumes.at(0).externalName, std::string("shared-data"));
        QVERIFY(r.stack->volumes.at(0).scope.value_or(kontena::VolumeScope::Instance) == kontena::VolumeScope::Grid);
        r = loadService("", "volumes:\n  data:\n    scope: galaxy\n");
        QVERIFY(hasError(r, {"volumes.data.scope: expected instance, stack or grid"}));
    }

    // ---- the syntax functions on their own ----
    void durations_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("seconds") << "23s" << qint64(23000);
        QTest::newRow("minutes and seconds") << "1m30s" << qint64(90000);
        QTest::newRow("fraction") << "1.5s" << qint64(1500);
        QTest::newRow("zero") << "0s" << qint64(0);
        QTest::newRow("millis") << "250ms" << qint64(250);
        QTest::newRow("hours") << "2h" << qint64(7200000);
        QTest::newRow("bare seconds") << "60" << qint64(60000);
        QTest::newRow("bad unit") << "5x" << qint64(-1);
        QTest::newRow("no number") << "s" << qint64(-1);
    }
    void durations() {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        auto d = kontena::stacks::parseDuration(text.toStdString());
        QCOMPARE(d ? d->ms : -1, ms);
    }

    void syntaxHelpers() {
        using namespace kontena::stacks;
        QCOMPARE(parseDeployInterval("30min")->ms, qint64(1800000));
        QCOMPARE(parseDeployInterval("7d")->ms, qint64(7) * 86400000);
        QCOMPARE(parseDeployInterval("90")->ms, qint64(90000));
        QVERIFY(!parseDeployInterval("1w"));
        QCOMPARE(parseMemory("1g").value(), std::int64_t(1) << 30);
        QCOMPARE(parseMemory("100").value(), std::int64_t(100));
        QVERIFY(!parseMemory("m"));
        QVERIFY(isValidStopSignal("SIGKILL") && isValidStopSignal("9") && isValidStopSignal("SIGRTMAX-2"));
        QVERIFY(!isValidStopSignal("SIGRTMIN+x") && !isValidStopSignal("kill"));
        QCOMPARE(shellSplit("a 'b c' \"d \\\" e\" f\\ g").value(), (std::vector<std::string>{"a", "b c", "d \" e", "f g"}));
        QVERIFY(!shellSplit("'open"));
        QCOMPARE(parseEnvFile("# c\n\nA=1\r\n  B=2\n"), (std::vector<std::string>{"A=1", "B=2"}));
        QVERIFY(!parseLink(":alias") && !parseLink("svc:") && !parseLink("/svc"));
        QVERIFY(!parsePort("1.2.3:80:80") && parsePort(":80:80"));
        QCOMPARE(parsePort("80:80/")->protocol, std::string("tcp"));
        QVERIFY(!parsePort("80:80/t-p"));
        QVERIFY(!parseVolumeMount("/a:b").ok());
        QVERIFY(!parseVolumeMount("a:/b:").ok());
        QVERIFY(serviceKeys().count("memswap_limit") && serviceKeys().count("mem_swaplimit"));
    }
};

QTEST_GUILESS_MAIN(TestStacksServices)
#include "tst_stacks_services.moc"
