// The API model (api/): every struct turns a documented sample of
// master/API.md back into the same JSON; bad input gives an error that names
// the field and never crashes; the routes' paths; the plain C++ grid state
// reader agrees with the Qt model.
#include <QJsonDocument>
#include <QtTest>

#include <functional>

#include "api/certificate.h"
#include "api/errors.h"
#include "api/grid.h"
#include "api/logs.h"
#include "api/paths.h"
#include "api/registry.h"
#include "api/secret.h"
#include "api/state.h"
#include "api/user.h"
#include "api/volume.h"

using namespace kontena;

namespace {

using RoundTrip = std::function<std::optional<QJsonObject>(const QJsonValue&, QString*)>;

template <class T>
RoundTrip roundTrip() {
    return [](const QJsonValue& v, QString* error) -> std::optional<QJsonObject> {
        auto d = T::fromJson(v);
        if (!d) {
            *error = d.error().message;
            return std::nullopt;
        }
        return d.value().toJson();
    };
}

QJsonValue parse(const char* text) {
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &e);
    if (e.error != QJsonParseError::NoError) qFatal("bad sample: %s: %s", text, qPrintable(e.errorString()));
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

#include "samples.inc"

}  // namespace

Q_DECLARE_METATYPE(RoundTrip)

class TestApiModel : public QObject {
    Q_OBJECT

private slots:
    void roundTrips_data();
    void roundTrips();
    void badInput_data();
    void badInput();
    void everyFieldOfEveryTypeDecodesOrNamesTheField_data() { roundTrips_data(); }
    void everyFieldOfEveryTypeDecodesOrNamesTheField();
    void partialObjectsKeepTheirShape();
    void requestsLeaveOutWhatIsUnset();
    void producersLeaveOutWhatTheyLack();
    void errorsOfAnswers();
    void paths();
    void plainGridStateAgrees();
    void plainGridStateErrors();
};

void TestApiModel::roundTrips_data() {
    QTest::addColumn<RoundTrip>("trip");
    QTest::addColumn<QString>("sample");
    addSamples();
}

void TestApiModel::roundTrips() {
    QFETCH(RoundTrip, trip);
    QFETCH(QString, sample);
    const QJsonValue in = parse(sample.toUtf8().constData());
    QString error;
    const auto out = trip(in, &error);
    QVERIFY2(out, qPrintable(error));
    QCOMPARE(QJsonValue(*out), in);
}

void TestApiModel::badInput_data() {
    QTest::addColumn<RoundTrip>("trip");
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    addBadInputs();
}

void TestApiModel::badInput() {
    QFETCH(RoundTrip, trip);
    QFETCH(QString, json);
    QFETCH(QString, message);
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    const QJsonValue v = doc.isNull() ? QJsonValue(json) : doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    QString error;
    QVERIFY(!trip(v, &error));
    QVERIFY2(error == message, qPrintable(error));
}

// Each field of each sample, at every depth, replaced by every kind of JSON
// value: the struct decodes (and round-trips) or the error starts with the
// field's path. Nothing crashes.
void TestApiModel::everyFieldOfEveryTypeDecodesOrNamesTheField() {
    QFETCH(RoundTrip, trip);
    QFETCH(QString, sample);
    const QJsonValue kinds[] = {QJsonValue(QJsonValue::Null), QJsonValue(true), QJsonValue(7), QJsonValue(2.5),
                                QJsonValue(QStringLiteral("text")), QJsonValue(QJsonArray{1, QStringLiteral("a")}),
                                QJsonValue(QJsonObject{{QStringLiteral("k"), 1}})};
    int tried = 0;
    std::function<void(const QJsonObject&, const QString&, const std::function<QJsonObject(const QJsonValue&)>&)> walk;
    walk = [&](const QJsonObject& o, const QString& path, const std::function<QJsonObject(const QJsonValue&)>& rebuild) {
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QString key = it.key(), at = path.isEmpty() ? key : path + QLatin1Char('.') + key;
            auto replaced = [o, key, rebuild](const QJsonValue& v) {
                QJsonObject copy = o;
                copy.insert(key, v);
                return rebuild(copy);
            };
            for (const QJsonValue& kind : kinds) {
                ++tried;
                QString error;
                const QJsonObject input = replaced(kind);
                const auto out = trip(input, &error);
                if (out) QCOMPARE(*out, input);
                else QVERIFY2(error.startsWith(at), qPrintable(at + QStringLiteral(" -> ") + error));
            }
            if (it.value().isObject()) walk(it.value().toObject(), at, replaced);
        }
    };
    walk(parse(sample.toUtf8().constData()).toObject(), QString(), [](const QJsonValue& v) { return v.toObject(); });
    QVERIFY(tried > 0);
}

void TestApiModel::partialObjectsKeepTheirShape() {
    // Missing fields get defaults and stay missing; unknown fields stay.
    const QJsonObject in{{QStringLiteral("name"), QStringLiteral("node-1")}, {QStringLiteral("future_field"), QJsonArray{1, 2}}};
    auto n = api::Node::fromJson(in);
    QVERIFY(n.ok());
    QCOMPARE(n.value().name, QStringLiteral("node-1"));
    QCOMPARE(n.value().nodeNumber, 0);
    QCOMPARE(n.value().extra.value(QStringLiteral("future_field")), QJsonValue(QJsonArray{1, 2}));
    QCOMPARE(n.value().toJson(), in);
    // A struct built in code writes every field, unset optionals as null.
    api::Node built;
    built.name = QStringLiteral("node-2");
    const QJsonObject out = built.toJson();
    QCOMPARE(out.value(QStringLiteral("connected_at")), QJsonValue(QJsonValue::Null));
    QCOMPARE(out.value(QStringLiteral("node_number")), QJsonValue(0));
    QCOMPARE(out.size(), std::tuple_size_v<decltype(api::Node::fields())>);
}

void TestApiModel::requestsLeaveOutWhatIsUnset() {
    api::NodeUpdate drain;
    drain.availability = QStringLiteral("drain");
    QCOMPARE(drain.toJson(), (QJsonObject{{QStringLiteral("availability"), QStringLiteral("drain")}}));
    api::NodeUpdate clear;
    clear.labels = QStringList{};
    QCOMPARE(clear.toJson(), (QJsonObject{{QStringLiteral("labels"), QJsonArray{}}}));
    api::GridCreate g;
    g.name = QStringLiteral("prod");
    QCOMPARE(g.toJson().keys(), (QStringList{QStringLiteral("default_affinity"), QStringLiteral("initial_size"), QStringLiteral("max_nodes"),
                                             QStringLiteral("name")}));
    api::GridSettings s;
    s.offlineGrace = api::OfflineGrace{};
    s.offlineGrace->ha = 60;
    g.settings = s;
    QCOMPARE(g.toJson().value(QStringLiteral("settings")).toObject(),
             (QJsonObject{{QStringLiteral("offline_grace"), QJsonObject{{QStringLiteral("ha"), 60}}}}));
    QCOMPARE(api::DeployRequest{}.toJson(), QJsonObject{});
    api::StackAction stop;
    stop.stackId = QStringLiteral("prod/web");
    QCOMPARE(stop.toJson(), (QJsonObject{{QStringLiteral("stack_id"), QStringLiteral("prod/web")}}));
}

void TestApiModel::producersLeaveOutWhatTheyLack() {
    api::Instance i;
    i.instanceNumber = 1;
    i.leaveOut({"pending_reason", "health"});
    i.leaveOut({"health"});   // twice: once
    QCOMPARE(i.absent, (QStringList{QStringLiteral("pending_reason"), QStringLiteral("health")}));
    const QJsonObject out = i.toJson();
    QVERIFY(!out.contains(QStringLiteral("pending_reason")) && !out.contains(QStringLiteral("health")));
    QCOMPARE(out.size(), std::tuple_size_v<decltype(api::Instance::fields())> - 2);
    // What is left out reads back as absent, and writes the same again.
    auto back = api::Instance::fromJson(out);
    QVERIFY(back.ok());
    QCOMPARE(back.value().toJson(), out);
}

void TestApiModel::errorsOfAnswers() {
    const api::ApiError e = api::errorOf(409, QByteArrayLiteral("{\"error\": \"node is online\"}"));
    QCOMPARE(e.status, 409);
    QCOMPARE(e.message, QStringLiteral("node is online"));
    QCOMPARE(api::errorOf(502, QByteArrayLiteral(" Bad gateway\n")).message, QStringLiteral("Bad gateway"));
    QCOMPARE(api::errorOf(400, QByteArrayLiteral("{\"error\": 3}")).message, QStringLiteral("{\"error\": 3}"));
    QCOMPARE(api::errorJson(QStringLiteral("Access denied")), (QJsonObject{{QStringLiteral("error"), QStringLiteral("Access denied")}}));
}

void TestApiModel::paths() {
    namespace p = api::paths;
    const auto svc = api::ServiceRef::inGrid(QStringLiteral("prod"), QStringLiteral("web/app"));
    QCOMPARE(p::service(svc), QStringLiteral("/v1/services/prod/web/app"));
    QCOMPARE(p::serviceScale(api::ServiceRef::inGrid(QStringLiteral("prod"), QStringLiteral("lb"))), QStringLiteral("/v1/services/prod/null/lb/scale"));
    QCOMPARE(p::serviceDeployment(svc, QStringLiteral("7")), QStringLiteral("/v1/services/prod/web/app/deploys/7"));
    QCOMPARE(p::serviceContainerLogs(svc, 100), QStringLiteral("/v1/services/prod/web/app/container_logs?limit=100"));
    QCOMPARE(api::ServiceRef::fromId(QStringLiteral("prod/web/app"))->stackAndName(), QStringLiteral("web/app"));
    QVERIFY(!api::ServiceRef::fromId(QStringLiteral("web/app")));
    QCOMPARE(p::grid(QStringLiteral("a b")), QStringLiteral("/v1/grids/a%20b"));
    QCOMPARE(p::gridServices(QStringLiteral("prod"), QStringLiteral("web")), QStringLiteral("/v1/grids/prod/services?stack=web"));
    QCOMPARE(p::gridEventLogs(QStringLiteral("prod"), 5), QStringLiteral("/v1/grids/prod/event_logs?limit=5"));
    QCOMPARE(p::node(QStringLiteral("prod"), QStringLiteral("node-1")), QStringLiteral("/v1/nodes/prod/node-1"));
    QCOMPARE(p::stackDeployment(QStringLiteral("prod"), QStringLiteral("web"), QStringLiteral("3")), QStringLiteral("/v1/stacks/prod/web/deploys/3"));
    QCOMPARE(p::userRole(QStringLiteral("a@b.c"), QStringLiteral("grid_admin")), QStringLiteral("/v1/users/a%40b.c/roles/grid_admin"));
    QCOMPARE(p::volume(QStringLiteral("prod"), QStringLiteral("data")), QStringLiteral("/v1/volumes/prod/data"));
    QCOMPARE(p::auditLogs(500), QStringLiteral("/v1/audit_logs?limit=500"));
}

void TestApiModel::plainGridStateAgrees() {
    const QByteArray text = QByteArray(kGridState);
    auto qt = api::GridState::fromJson(QJsonDocument::fromJson(text).object());
    QVERIFY(qt.ok());
    auto plain = api::state::parseGridState(text.toStdString());
    QVERIFY2(plain.ok(), plain.ok() ? "" : plain.error().message.c_str());
    const auto& a = qt.value();
    const auto& b = plain.value();
    QCOMPARE(QString::fromStdString(b.grid.name), a.grid.name);
    QCOMPARE(b.grid.initialSize.value_or(-1), a.grid.initialSize);
    QCOMPARE(b.grid.maxNodes.value_or(-1), a.grid.maxNodes);
    QCOMPARE(b.grid.defaultAffinity.size(), static_cast<std::size_t>(a.grid.defaultAffinity.size()));
    QCOMPARE(b.grid.settings.keepaliveInterval, a.grid.settings.keepaliveInterval);
    QCOMPARE(b.grid.settings.offlineGrace.ha, a.grid.settings.offlineGrace->ha);
    QCOMPARE(b.nodes.size(), static_cast<std::size_t>(a.nodes.size()));
    for (qsizetype i = 0; i < a.nodes.size(); ++i) {
        const auto& x = a.nodes[i];
        const auto& y = b.nodes[static_cast<std::size_t>(i)];
        QCOMPARE(QString::fromStdString(y.name), x.name);
        QCOMPARE(y.nodeNumber, x.nodeNumber);
        QCOMPARE(QString::fromStdString(y.status), x.status);
        QCOMPARE(QString::fromStdString(y.availability), x.availability);
        QCOMPARE(y.cpus, x.cpus);
        QCOMPARE(static_cast<double>(y.memTotal), x.memTotal);
        QCOMPARE(y.labels.size(), static_cast<std::size_t>(x.labels.size()));
    }
    QCOMPARE(b.stacks.size(), static_cast<std::size_t>(a.stacks.size()));
    QCOMPARE(QString::fromStdString(b.stacks[1].parent), a.stacks[1].parent.value_or(QString()));
    QCOMPARE(QString::fromStdString(b.stacks[0].source), a.stacks[0].source);
    QCOMPARE(b.stacks[0].services.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(b.stacks[0].services[0].name), a.stacks[0].services[0].name);
    QCOMPARE(b.stacks[0].services[0].instances.value_or(-1), a.stacks[0].services[0].instances);
    QCOMPARE(QString::fromStdString(b.stacks[0].services[0].state), a.stacks[0].services[0].state);
    // Where instances run; one whose node was removed (null) is left out of the plain reader's list.
    QCOMPARE(a.instances.size(), qsizetype(2));
    QCOMPARE(b.instances.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(b.instances[0].stack + "/" + b.instances[0].service), QStringLiteral("web/app"));
    QCOMPARE(b.instances[0].number, a.instances[0].instanceNumber);
    QCOMPARE(QString::fromStdString(b.instances[0].node), a.instances[0].node.value_or(QString()));
    QCOMPARE(QString::fromStdString(b.instances[0].desired), a.instances[0].desired);
}

void TestApiModel::plainGridStateErrors() {
    const std::pair<const char*, const char*> cases[] = {
        {"{nodes", "not JSON"},
        {"[1]", "must be an object"},
        {"{\"grid\": 1}", "\"grid\" must be an object"},
        {"{\"nodes\": {}}", "\"nodes\" must be an array"},
        {"{\"nodes\": [1]}", "nodes[0] must be an object"},
        {"{\"nodes\": [{\"name\": 3}]}", "nodes[0]: \"name\" is missing"},
        {"{\"nodes\": [], \"stacks\": 2}", "\"stacks\" must be an array"},
        {"{\"nodes\": [], \"stacks\": [{}]}", "stacks[0]: \"name\" is missing"},
    };
    for (const auto& [json, message] : cases) {
        auto r = api::state::parseGridState(json);
        QVERIFY2(!r.ok(), json);
        QVERIFY2(r.error().message.find(message) != std::string::npos, r.error().message.c_str());
    }
}

QTEST_APPLESS_MAIN(TestApiModel)
#include "tst_api_model.moc"
