// The master <-> agent protocol: every message survives encode -> decode,
// the handshake headers, the close codes and the version rule.
#include <QJsonDocument>
#include <QtTest>

#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"

using namespace kontena;
using namespace kontena::protocol;

namespace {

// Through a whole frame and back, as the wire carries it.
QJsonObject viaFrame(const QJsonObject& payload) {
    const Frame f = Frame::notification(QStringLiteral("/x/y"), params(payload));
    const auto back = decode(encode(f));
    Q_ASSERT(back);
    return payloadOf(back->params);
}

QDateTime at() { return QDateTime::fromMSecsSinceEpoch(1'795'000'000'123, QTimeZone::utc()); }

PodSpec fullPod() {
    PodSpec p;
    p.spec.stack = "web";
    p.spec.name = "api";
    p.spec.image = "kontena-test/busybox:1";
    p.spec.stateful = true;
    p.spec.ports = {PortSpec{"127.0.0.1", 8080, 80, "tcp"}};
    p.spec.cpus = 0.5;
    p.spec.memory = 64 << 20;
    p.spec.memorySwap = 128 << 20;
    p.spec.shmSize = 1 << 20;
    p.spec.cpuShares = 512;
    p.spec.volumes = {VolumeMount{VolumeKind::Named, "data", "/data", "rw"}, VolumeMount{VolumeKind::Anonymous, "", "/cache", ""}};
    p.spec.volumesFrom = {"db-%s"};
    p.spec.net = "host";
    p.spec.healthCheck = HealthCheck{"http", 8080, "/health", Duration::millis(1500), Duration::seconds(2), Duration::millis(250)};
    p.spec.deploy.waitForPort = 8080;
    p.spec.stopGracePeriod = Duration::seconds(3);
    p.spec.stopSignal = "SIGINT";
    p.spec.env = {"A=1", "B=two"};
    p.spec.cmd = {"sh", "-c", "sleep 1"};
    p.spec.entrypoint = {"/bin/sh"};
    p.spec.privileged = true;
    p.spec.capAdd = {"NET_ADMIN"};
    p.spec.capDrop = {"MKNOD"};
    p.spec.user = "nobody";
    p.spec.readOnly = true;
    p.spec.pid = "host";
    p.spec.logDriver = "json-file";
    p.spec.logOpts = {{"max-size", "1m"}};
    p.spec.hooks = {Hook{"post_start", "init", "echo hi", "1", true}};
    p.spec.secrets = {SecretRef{"db_pw", "MYSQL_PASSWORD", "env"}};
    p.spec.certificates = {SecretRef{"www.example.com", "SSL_CERTS", "env"}};
    p.instanceNumber = 3;
    p.desired = DesiredState::Stopped;
    p.deployRev = 1'795'000'000'000;
    p.serviceRevision = 7;
    return p;
}

}  // namespace

class TstProtocol : public QObject {
    Q_OBJECT
private slots:
    void framesRoundTrip() {
        const QList<Frame> frames{
            Frame::request(7, QString::fromLatin1(method::kPodsList), QJsonArray{QStringLiteral("node-1")}),
            Frame::response(7, QJsonObject{{QStringLiteral("ok"), true}}),
            Frame::failure(8, notImplemented()),
            Frame::notification(QString::fromLatin1(method::kNotifyUpdate), params(toJson(NotifyUpdate{QStringLiteral("deploy")}))),
        };
        for (const Frame& f : frames) {
            const auto back = decode(encode(f));
            QVERIFY(back);
            QCOMPARE(*back, f);
        }
        QCOMPARE(encode(frames.at(2)), QByteArray(R"([1,8,{"code":501,"error":"service not implemented"},null])"));
    }
    void malformedFramesRefused() {
        for (const char* text : {"", "{}", "[]", "[3,\"x\",1]", "[0,\"id\",\"/a/b\",[]]", "[2,1,[]]", "[0,1,2,3]", "not json"}) {
            QString why;
            QVERIFY2(!decode(QByteArray(text), &why), text);
            QVERIFY(!why.isEmpty());
        }
        QCOMPARE(handlerOf(QStringLiteral("/nodes/update")), QStringLiteral("nodes"));
    }
    void masterInfo() {
        const MasterInfo m{QStringLiteral("1.4.2"), kProtocolVersion};
        QCOMPARE(masterInfoFromJson(viaFrame(toJson(m))), m);
    }
    void nodeInfo() {
        const NodeInfo n{QStringLiteral("ID:1"), QStringLiteral("node-1"), QStringLiteral("test"), 3, true,
                         QStringLiteral("127.0.81.3"), {QStringLiteral("127.0.81.4")}, {QStringLiteral("az=a")}, 3,
                         QStringLiteral("127.81.0.0/16"),
                         {GridPeer{1, QStringLiteral("node-1"), QStringLiteral("127.0.2.1"), QStringLiteral("127.51.100.1"),
                                   QStringLiteral("127.81.0.1"), true},
                          GridPeer{4, QStringLiteral("node-4"), QStringLiteral("127.0.2.4"), QString(), QStringLiteral("127.81.0.4"), false}}};
        QCOMPARE(nodeInfoFromJson(viaFrame(toJson(n))), n);
        QCOMPARE(nodeInfoFromJson(viaFrame(toJson(n))).peers.at(1).number, 4);
    }
    // /agent/grid_peers: the whole list, or the change since the previous
    // list, which applied to that list gives the new one (by number).
    void gridPeersDelta() {
        auto peer = [](int n, const char* underlay) {
            return GridPeer{n, QStringLiteral("node-%1").arg(n), QString::fromLatin1(underlay), QString(), QStringLiteral("127.81.0.%1").arg(n), n <= 3};
        };
        const QList<GridPeer> before{peer(1, "127.0.2.1"), peer(2, "127.0.2.2"), peer(3, "127.0.2.3"), peer(5, "127.0.2.5")};
        const QList<GridPeer> after{peer(1, "127.0.2.1"), peer(3, "127.0.2.33"), peer(4, "127.0.2.4"), peer(5, "127.0.2.5"), peer(7, "127.0.2.7")};
        const GridPeers d = peersDelta(before, after);
        QVERIFY(d.delta);
        QCOMPARE(d.changed.size(), 3);   // 3 moved, 4 and 7 joined
        QCOMPARE(d.removed, QList<int>{2});
        const GridPeers wire = gridPeersFromJson(viaFrame(toJson(d)));
        QCOMPARE(wire, d);
        QCOMPARE(applyPeers(before, wire), after);
        QCOMPARE(applyPeers(after, peersDelta(after, after)), after);   // nothing changed: the same list
        QVERIFY(peersDelta(after, after).changed.isEmpty());
        // The whole list replaces what the agent has, whatever it was.
        const GridPeers whole = gridPeersFromJson(viaFrame(toJson(GridPeers{after, false, {}, {}})));
        QVERIFY(!whole.delta);
        QCOMPARE(applyPeers(before, whole), after);
        QCOMPARE(applyPeers(before, gridPeersFromJson(QJsonObject{})), QList<GridPeer>{});   // an empty message: no peers
    }
    void gridNetworkMessages() {
        const EtcdHealth h{true, false, QStringLiteral("8e9e05c52164694d"), QStringLiteral("context deadline exceeded")};
        QCOMPARE(etcdHealthFromJson(viaFrame(toJson(h))), h);
        const PodAddress a{QStringLiteral("web/db"), 2, QStringLiteral("127.81.128.7")};
        QCOMPARE(podAddressFromJson(viaFrame(toJson(a))), a);
        const DnsRecords r{{DnsEndpoint{QStringLiteral("n2"), QStringLiteral("web"), QStringLiteral("db"), 2, QStringLiteral("127.81.128.7"), true}},
                           {QStringLiteral("web=db")}, {QStringLiteral("127.81.0.1")}};
        QCOMPARE(dnsRecordsFromJson(viaFrame(toJson(r))), r);
        QVERIFY(dnsRecordsFromJson(QJsonObject{}).endpoints.isEmpty());   // an empty or older message: no names
    }
    void nodeUpdate() {
        const NodeUpdate n{QStringLiteral("ID:1"), QStringLiteral("node-1"), 4, 8'000'000'000, QStringLiteral("20.10.24"),
                           {QStringLiteral("local")}, QStringLiteral("127.0.81.5"), QStringLiteral("127.0.81.6"), {QStringLiteral("ssd")}, true};
        QCOMPARE(nodeUpdateFromJson(viaFrame(toJson(n))), n);
    }
    void notifyAndRestart() {
        const NotifyUpdate n{QStringLiteral("deploy")};
        QCOMPARE(notifyUpdateFromJson(viaFrame(toJson(n))), n);
        const RestartPod r{QStringLiteral("web/api"), 2};
        QCOMPARE(restartPodFromJson(viaFrame(toJson(r))), r);
    }
    void registryHostAsDockerDecidesIt_data() {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("host");
        QTest::newRow("hub, no namespace") << QStringLiteral("mariadb:10") << QString();
        QTest::newRow("hub, namespace") << QStringLiteral("kontena/lb:latest") << QString();
        QTest::newRow("host with port") << QStringLiteral("registry.example.com:5000/team/app:1") << QStringLiteral("registry.example.com:5000");
        QTest::newRow("host without port") << QStringLiteral("quay.io/coreos/etcd") << QStringLiteral("quay.io");
        QTest::newRow("loopback with port") << QStringLiteral("127.0.0.1:5999/app") << QStringLiteral("127.0.0.1:5999");
        QTest::newRow("localhost") << QStringLiteral("localhost/app") << QStringLiteral("localhost");
        QTest::newRow("digest is no host") << QStringLiteral("app@sha256:abc") << QString();
        QTest::newRow("empty") << QString() << QString();
    }
    void registryHostAsDockerDecidesIt() {
        QFETCH(QString, image);
        QFETCH(QString, host);
        QCOMPARE(registryHost(image), host);
    }

    void podSecrets() {
        const PodSecretsRequest r{QStringLiteral("wp/mysql"), 1};
        QCOMPARE(podSecretsRequestFromJson(viaFrame(toJson(r))), r);
        const PodSecrets p{{QStringLiteral("MYSQL_PASSWORD=s3cr=t"), QStringLiteral("SSL_CERTS=cert-a\ncert-b")}, QStringLiteral("eyJ1c2VybmFtZSI6ImEifQ")};
        QCOMPARE(podSecretsFromJson(viaFrame(toJson(p))), p);
        QVERIFY(!toJson(PodSecrets{{QStringLiteral("A=b")}, {}}).contains(QStringLiteral("registry_auth")));
        // The pod list carries the references, never a value.
        PodSpec pod = fullPod();
        pod.spec.secrets = {SecretRef{"db_pw", "MYSQL_PASSWORD", "env"}};
        const QByteArray listed = QJsonDocument(toJson(pod)).toJson();
        QVERIFY(listed.contains("db_pw") && !listed.contains("s3cr"));
    }
    void lbBackends() {
        const LbBackendsRequest r{QStringLiteral("shop/lb"), 2};
        QCOMPARE(lbBackendsRequestFromJson(viaFrame(toJson(r))), r);
        LbLinkedService web;
        web.spec.stack = "shop";
        web.spec.name = "web";
        web.spec.image = "nginx";
        web.spec.env = {"KONTENA_LB_VIRTUAL_HOSTS=a.test", "KONTENA_LB_INTERNAL_PORT=8080"};
        web.spec.healthCheck = HealthCheck{"http", 8080, "/health", Duration::seconds(1), Duration::seconds(2), Duration::seconds(3)};
        web.instances = {{1, QStringLiteral("node-1"), QStringLiteral("shop.web-1"), ObservedState::Running, QStringLiteral("healthy"),
                          QStringLiteral("127.81.128.7")},
                         {2, QStringLiteral("node-2"), QStringLiteral("shop.web-2"), ObservedState::Exited, QStringLiteral("unknown"), {}}};
        web.secretEnv = {QStringLiteral("KONTENA_LB_BASIC_AUTH_SECRETS=user a insecure-password b")};
        LbLinkedService api = web;
        api.spec.name = "api";
        api.secretEnv.clear();
        api.secretError = QStringLiteral("shop/api: secret AUTH does not exist");
        const LbBackends b{{web, api}};
        const QJsonObject wire = toJson(b);
        const LbBackends back = lbBackendsFromJson(viaFrame(wire));
        QCOMPARE(back, b);
        // Fields only when set: an answer without secrets or addresses is what it was.
        const QJsonObject second = wire.value(QStringLiteral("services")).toArray().at(1).toObject();
        QVERIFY(!second.contains(QStringLiteral("secret_env")) && second.contains(QStringLiteral("secret_error")));
        QVERIFY(!second.value(QStringLiteral("instances")).toArray().at(1).toObject().contains(QStringLiteral("address")));
        QCOMPARE(back.services.size(), 2);
        QCOMPARE(back.services[0].instances, web.instances);
        QCOMPARE(back.services[0].spec.env, web.spec.env);
        QCOMPARE(back.services[0].spec.key(), std::string("shop/web"));
        QVERIFY(back.services[0].spec.healthCheck == web.spec.healthCheck);
    }
    void podSpecEveryField() {
        const PodSpec p = fullPod();
        QString why;
        const auto back = podFromJson(viaFrame(toJson(p)), &why);
        QVERIFY2(back, qPrintable(why));
        QCOMPARE(*back, p);
        QCOMPARE(p.id(), QStringLiteral("web/api/3"));
        const agent::Pod ap = toAgentPod(p);
        QCOMPARE(ap.service, std::string("web/api"));
        QCOMPARE(ap.number, 3);
        QCOMPARE(ap.serviceRevision, 7);
    }
    void podListSkipsMalformed() {
        PodList l;
        l.pods = {fullPod(), fullPod()};
        l.pods[1].instanceNumber = 4;
        QJsonObject o = viaFrame(toJson(l));
        QCOMPARE(podListFromJson(o), l);
        QJsonArray pods = o.value(QStringLiteral("service_pods")).toArray();
        pods.append(QJsonObject{{QStringLiteral("instance_number"), 1}});
        o[QStringLiteral("service_pods")] = pods;
        QStringList problems;
        QCOMPARE(podListFromJson(o, &problems), l);
        QCOMPARE(problems.size(), 1);
    }
    void podListCarriesEtcdQuorum() {
        PodList l;
        l.pods = {fullPod()};
        l.etcdQuorum = false;
        QCOMPARE(podListFromJson(viaFrame(toJson(l))), l);
        QJsonObject older = toJson(l);
        older.remove(QStringLiteral("etcd_quorum"));   // a master before the field: addresses assumed available
        QVERIFY(podListFromJson(older).etcdQuorum);
    }
    void podState() {
        for (ObservedState st : {ObservedState::Missing, ObservedState::Created, ObservedState::Running, ObservedState::Stopped,
                                 ObservedState::Restarting, ObservedState::Exited}) {
            const PodState s{QStringLiteral("web/api"), 2, 1234, 3, st, st == ObservedState::Missing ? QStringLiteral("no ip") : QString()};
            QCOMPARE(podStateFromJson(viaFrame(toJson(s))), s);
        }
    }
    void containerMessages() {
        const ContainerHealth h{QStringLiteral("abc"), QStringLiteral("web.api-1"), HealthStatus::Unhealthy, 404, QStringLiteral("http 404"), at()};
        QCOMPARE(containerHealthFromJson(viaFrame(toJson(h))), h);
        const ContainerEvent e{QStringLiteral("abc"), QStringLiteral("web.api-1"), QStringLiteral("die"), at()};
        QCOMPARE(containerEventFromJson(viaFrame(toJson(e))), e);
        LogBatch b;
        for (int i = 0; i < kLogBatchSize; ++i)
            b.entries.append(LogEntry{QStringLiteral("abc"), QStringLiteral("web.api-1"), i % 2 ? QStringLiteral("stderr") : QStringLiteral("stdout"),
                                      QStringLiteral("line %1 \u00e9").arg(i), at()});
        QCOMPARE(logBatchFromJson(viaFrame(toJson(b))), b);
        const ContainerStat s{QStringLiteral("abc"), QStringLiteral("web.api-1"), 12.5, 1000, 2000, 3, 4, at()};
        QCOMPARE(containerStatFromJson(viaFrame(toJson(s))), s);
    }
    void handshakeHeaders() {
        Handshake h{QStringLiteral("ABCD:1234"), QStringLiteral("node-1"), QStringLiteral("0.1.0"),
                    {QStringLiteral("az=a"), QStringLiteral("ssd")}, at(), TokenKind::Node, QStringLiteral("secret"), kProtocolVersion};
        HeaderList headers = toHeaders(h);
        for (auto& [name, v] : headers) name = name.toLower();   // names are case-insensitive
        QCOMPARE(fromHeaders(headers), h);
        h.tokenKind = TokenKind::Grid;
        QCOMPARE(fromHeaders(toHeaders(h)), h);
        QCOMPARE(formatConnectedAt(at()), QStringLiteral("2026-11-18 11:06:40.123000000Z"));
        QCOMPARE(parseConnectedAt(QStringLiteral("2026-11-18 11:06:40.123456789Z")).value(), at());
        QCOMPARE(parseConnectedAt(QStringLiteral("2026-11-18 11:06:40Z")).value(), at().addMSecs(-123));
        QVERIFY(!parseConnectedAt(QStringLiteral("yesterday")));
        QCOMPARE(parseConnectedAt(QStringLiteral(" 2026-11-18 11:06:40.1Z\n")).value(), at().addMSecs(-23));
        QCOMPARE(parseConnectedAt(QStringLiteral("2026-11-18 11:06:40.12Z")).value(), at().addMSecs(-3));
        QCOMPARE(parseConnectedAt(QStringLiteral("2026-11-18 11:06:40.123Z")).value(), at());
        QCOMPARE(parseConnectedAt(QStringLiteral("2024-02-29 23:59:59.999Z")).value(),
                 QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), QTimeZone::utc()));
        QCOMPARE(parseConnectedAt(formatConnectedAt(at())).value(), at());
        for (const char* bad : {"", "Z", "2026-11-18 11:06:40", "2026-11-18T11:06:40Z", "2026-11-18 11:06:40.Z",
                                "2026-11-18 11:06:40.1234567890Z", "2026-11-18 11:06:40,123Z", "2026-02-30 11:06:40Z",
                                "2026-11-18 24:00:00Z", "2026-11-18 11:6:40Z", "2026-1a-18 11:06:40Z", "2026-11-18 11:06:40.12aZ",
                                "+026-11-18 11:06:40Z", "2026-11-18 11:06:40ZZ"}) {
            QVERIFY2(!parseConnectedAt(QString::fromLatin1(bad)), bad);
        }
    }
    void closeCodes() {
        const QList<CloseCode> codes = allCloseCodes();
        QCOMPARE(codes.size(), 13);
        QSet<QString> reasons;
        for (CloseCode c : codes) {
            QVERIFY(int(c) >= 4000 && int(c) <= 4041);
            reasons.insert(closeReason(c));
        }
        QCOMPARE(reasons.size(), codes.size());   // every code has its own reason
        QCOMPARE(closeReason(4010), QStringLiteral("agent version is not compatible with the master"));
        QVERIFY(closeReason(4999).contains(QStringLiteral("4999")));
        QCOMPARE(afterClose(4001), AfterClose::Stop);
        QCOMPARE(afterClose(4010), AfterClose::Stop);
        QCOMPARE(afterClose(4040), AfterClose::Stop);
        QCOMPARE(afterClose(4020), AfterClose::Reconnect);
        QCOMPARE(afterClose(4030), AfterClose::Reconnect);
        QCOMPARE(afterClose(4041), AfterClose::Reconnect);
        QCOMPARE(afterClose(1006), AfterClose::Reconnect);
    }
    void versionRule() {
        const QString master = QStringLiteral("0.9.1");
        for (const char* ok : {"0.9.0", "0.9.1", "0.9.2", "0.9.3.beta"}) QVERIFY2(versionCompatible(master, QString::fromLatin1(ok)), ok);
        for (const char* no : {"0.8.4", "1.0.1", "0.10.0", "", "x.y"}) QVERIFY2(!versionCompatible(master, QString::fromLatin1(no)), no);
    }
};

QTEST_GUILESS_MAIN(TstProtocol)
#include "tst_protocol.moc"
