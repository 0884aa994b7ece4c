// The master's REST API on the wire: a fixed script of requests (every
// route, good and bad bodies, 400/401/403/404/405/409/422 answers) against a
// real master in process with one agent connected (in-memory container
// runtime), each answer's status and body compared byte for byte with
// tests/master/wire_fixture.json. The fixture is what the master answered
// when it was recorded; a change of the API's JSON shows up here as a
// difference, and is either a bug or a deliberate change of the fixture.
//
// Re-record: KONTENA_WIRE_RECORD=1 ctest -R tst_master_wire (then review
// the diff of the fixture before committing it).
//
// Determinism: one agent (placement has a single choice), every request
// waits until the grid has settled (no deploy running, every instance where
// it should be) before the next one, and maskVolatile() blanks what differs
// from run to run by nature: times, generated tokens and ids.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "agent/agent.h"
#include "agent/version.h"
#include "master/api_server.h"
#include "tests/agent/fake_runtime.h"
#include "vault/crypto.h"

using namespace kontena;

namespace {

constexpr int kWait = 30000;

// Blanks what is different on every run by nature, and nothing else:
//  * RFC 3339 times ("2026-12-05T09:00:00.123Z") -> "<time>";
//  * UUIDs (access token ids) -> "<uuid>";
//  * the values of "access_token", "invite_code", "token" and
//    "token_last4" (random secrets and their tails) -> "<secret>";
//  * an instance's "rev" (the deploy revision is the deploy's start time
//    in milliseconds) -> "<rev>".
QString maskVolatile(QString body) {
    static const QRegularExpression time(QStringLiteral("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z"));
    static const QRegularExpression uuid(QStringLiteral("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    static const QRegularExpression secret(QStringLiteral("(\"(?:access_token|invite_code|token|token_last4)\"\\s*:\\s*)\"[^\"]*\""));
    body.replace(time, QStringLiteral("<time>"));
    body.replace(uuid, QStringLiteral("<uuid>"));
    body.replace(secret, QStringLiteral("\\1\"<secret>\""));
    static const QRegularExpression rev(QStringLiteral("(\"rev\"\\s*:\\s*)\\d+"));
    body.replace(rev, QStringLiteral("\\1\"<rev>\""));
    return body;
}

QString fixturePath() {
    return qEnvironmentVariable("KONTENA_SOURCE_DIR", QStringLiteral(".")) + QStringLiteral("/tests/master/wire_fixture.json");
}

QByteArray json(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

const char* kStack = "stack: test/web\nversion: 1.0.0\nservices:\n  app:\n    image: busybox:1\n    instances: 2\n";
const char* kStackV2 =
    "stack: test/web\nversion: 1.0.1\nservices:\n  app:\n    image: busybox:1\n    instances: 1\n"
    "    ports:\n      - 8080:80\n    affinity:\n      - label==az=a\n";

struct Answer {
    int status = 0;
    QByteArray body;
    QJsonObject object() const { return QJsonDocument::fromJson(body).object(); }
};

}  // namespace

class TestMasterWire : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<master::Master> master_;
    QNetworkAccessManager net_;
    QString url_;
    QMap<QString, QString> tokens_;          // who -> bearer token ("" none)
    QMap<QString, QString> captured_;        // {name} in paths -> value
    QJsonArray recorded_;                    // this run's steps
    std::unique_ptr<agentd::Agent> agent_;

    Answer send(const QByteArray& method, const QString& path, const QByteArray& body, const QString& who) {
        QNetworkRequest req(QUrl(url_ + path));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        req.setRawHeader("User-Agent", "kontena-wire-test");
        if (!tokens_.value(who).isEmpty()) req.setRawHeader("Authorization", "Bearer " + tokens_.value(who).toUtf8());
        QNetworkReply* reply = net_.sendCustomRequest(req, method, body);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        Answer a{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
        reply->deleteLater();
        return a;
    }

    // One recorded step: the request as written (placeholders kept), the answer masked.
    Answer step(const QString& name, const char* method, const QString& path, const QByteArray& body = {},
                const QString& who = QStringLiteral("admin")) {
        QString concrete = path;
        for (auto it = captured_.cbegin(); it != captured_.cend(); ++it) concrete.replace(it.key(), it.value());
        const Answer a = send(method, concrete, body, who);
        recorded_.append(QJsonObject{{QStringLiteral("step"), name},
                                     {QStringLiteral("request"), QString(QLatin1String(method) + QLatin1Char(' ') + path + QLatin1Char(' ') +
                                                                         QString::fromUtf8(body))},
                                     {QStringLiteral("as"), who},
                                     {QStringLiteral("status"), a.status},
                                     {QStringLiteral("body"), maskVolatile(QString::fromUtf8(a.body))}});
        settle();
        return a;
    }

    // Until no deploy runs and every instance is where its desired state says.
    void settle() {
        master::GridRuntime* g = master_->grid(QStringLiteral("wire"));
        if (!g) return;
        auto settled = [g] {
            for (const auto& [id, d] : g->state().deploys) {
                if (d.state == DeployState::Pending || d.state == DeployState::Ongoing) return false;
            }
            for (const auto& [id, sd] : g->state().stackDeploys) {
                if (sd.state == DeployState::Pending || sd.state == DeployState::Ongoing) return false;
            }
            for (const auto& [k, i] : g->state().instances) {
                if (!i.node) continue;   // nowhere to run (pending): settled too
                const bool running = i.observed == ObservedState::Running;
                if (i.desired == DesiredState::Running && !running) return false;
                if (i.desired == DesiredState::Stopped && running) return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), kWait);
        QTest::qWait(100);   // the agent's last reports after the deploy finished
    }

    void connectAgent() {
        tokens_[QStringLiteral("grid")] = send("GET", QStringLiteral("/v1/grids/wire/token"), {}, QStringLiteral("admin")).object().value(QStringLiteral("token")).toString();
        agentd::AgentConfig c;
        c.masterUrl = QUrl(QString(url_).replace(QStringLiteral("http:"), QStringLiteral("ws:")));
        c.token = tokens_[QStringLiteral("grid")];
        c.nodeId = QStringLiteral("ID:node-1");
        c.nodeName = QStringLiteral("node-1");
        c.grid = QStringLiteral("wire");
        c.version = QString::fromLatin1(agentd::kAgentVersion);
        c.labels = {QStringLiteral("az=a")};
        c.timers.reconnectDelay = [](int) { return agentd::Millis(100); };
        agent_ = std::make_unique<agentd::Agent>(c, std::make_shared<testing::FakeRuntime>(), std::nullopt);
        agent_->start();
        auto online = [this] {
            return send("GET", QStringLiteral("/v1/grids/wire"), {}, QStringLiteral("admin")).object().value(QStringLiteral("etcd")).toObject().value(QStringLiteral("quorum")).toBool();
        };
        QTRY_VERIFY_WITH_TIMEOUT(online(), kWait);
    }

    void capture(const QString& name, const Answer& a, const char* key) {
        captured_[name] = a.object().value(QLatin1String(key)).toVariant().toString();
        QVERIFY2(!captured_[name].isEmpty(), qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(a.body)));
    }

    void authAndUsers();
    void grids();
    void nodes();
    void stacks();
    void services();
    void stackActions();
    void volumes();
    void secrets();
    void readsAndTeardown();

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        master_ = std::make_unique<master::Master>();
        auto keys = vault::Keyring::parse(vault::Keyring::generateLine(1));
        QVERIFY(keys);
        master_->setVaultKeys(std::make_unique<vault::Keyring>(std::move(keys).value()));
        QString code, error;
        QVERIFY2(master_->open(dir_.path(), QStringLiteral("admin-code"), &code, &error), qPrintable(error));
        const quint16 port = master_->listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        url_ = QStringLiteral("http://127.0.0.1:%1").arg(port);
        tokens_[QStringLiteral("none")] = QString();
        tokens_[QStringLiteral("forged")] = QStringLiteral("not-a-token");
    }

    void script() {
        authAndUsers();
        grids();
        nodes();
        stacks();
        services();
        stackActions();
        volumes();
        secrets();
        readsAndTeardown();
    }

    void matchesFixture() {
        if (qEnvironmentVariable("KONTENA_WIRE_RECORD") == QLatin1String("1")) {
            QFile f(fixturePath());
            QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(fixturePath()));
            f.write(QJsonDocument(recorded_).toJson(QJsonDocument::Indented));
            qInfo("recorded %d steps in %s", int(recorded_.size()), qPrintable(fixturePath()));
            return;
        }
        QFile f(fixturePath());
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(fixturePath() + QStringLiteral(": record it with KONTENA_WIRE_RECORD=1")));
        const QJsonArray expected = QJsonDocument::fromJson(f.readAll()).array();
        for (qsizetype i = 0; i < std::min(expected.size(), recorded_.size()); ++i) {
            const QJsonObject want = expected.at(i).toObject(), got = recorded_.at(i).toObject();
            const QString where = QStringLiteral("step %1 (%2: %3)").arg(i).arg(want.value(QStringLiteral("step")).toString(), want.value(QStringLiteral("request")).toString());
            QVERIFY2(want.value(QStringLiteral("request")) == got.value(QStringLiteral("request")), qPrintable(where + QStringLiteral(": the script changed, re-record")));
            QVERIFY2(want.value(QStringLiteral("status")) == got.value(QStringLiteral("status")),
                     qPrintable(where + QStringLiteral(": status %1, recorded %2").arg(got.value(QStringLiteral("status")).toInt()).arg(want.value(QStringLiteral("status")).toInt())));
            QVERIFY2(want.value(QStringLiteral("body")) == got.value(QStringLiteral("body")),
                     qPrintable(where + QStringLiteral(":\n   got: ") + got.value(QStringLiteral("body")).toString() + QStringLiteral("\nwanted: ") +
                                want.value(QStringLiteral("body")).toString()));
        }
        QCOMPARE(recorded_.size(), expected.size());
    }

    void cleanupTestCase() {
        agent_.reset();
        master_.reset();
    }
};

void TestMasterWire::authAndUsers() {
    step(QStringLiteral("ping"), "GET", QStringLiteral("/v1/ping"), {}, QStringLiteral("none"));
    Answer a = step(QStringLiteral("log in with the admin code"), "POST", QStringLiteral("/v1/auth"), json({{QStringLiteral("code"), QStringLiteral("admin-code")}}),
                    QStringLiteral("none"));
    tokens_[QStringLiteral("admin")] = a.object().value(QStringLiteral("access_token")).toString();
    step(QStringLiteral("a wrong code"), "POST", QStringLiteral("/v1/auth"), json({{QStringLiteral("code"), QStringLiteral("nope")}}), QStringLiteral("none"));
    step(QStringLiteral("no token"), "GET", QStringLiteral("/v1/user"), {}, QStringLiteral("none"));
    step(QStringLiteral("a forged token"), "GET", QStringLiteral("/v1/user"), {}, QStringLiteral("forged"));
    step(QStringLiteral("who am I"), "GET", QStringLiteral("/v1/user"));
    a = step(QStringLiteral("invite bob"), "POST", QStringLiteral("/v1/users"), json({{QStringLiteral("email"), QStringLiteral("bob")}}));
    const QString invite = a.object().value(QStringLiteral("invite_code")).toString();
    step(QStringLiteral("invite bob again"), "POST", QStringLiteral("/v1/users"), json({{QStringLiteral("email"), QStringLiteral("bob")}}));
    step(QStringLiteral("invite nobody"), "POST", QStringLiteral("/v1/users"), json({}));
    step(QStringLiteral("invite a number"), "POST", QStringLiteral("/v1/users"), json({{QStringLiteral("email"), 5}}));
    a = send("POST", QStringLiteral("/v1/auth"), json({{QStringLiteral("code"), invite}}), QStringLiteral("none"));
    tokens_[QStringLiteral("bob")] = a.object().value(QStringLiteral("access_token")).toString();
    QVERIFY(!tokens_[QStringLiteral("bob")].isEmpty());
    step(QStringLiteral("users"), "GET", QStringLiteral("/v1/users"));
    step(QStringLiteral("bob may not list users"), "GET", QStringLiteral("/v1/users"), {}, QStringLiteral("bob"));
    step(QStringLiteral("grant a role"), "POST", QStringLiteral("/v1/users/bob/roles"), json({{QStringLiteral("role"), QStringLiteral("grid_admin")}}));
    step(QStringLiteral("grant no role"), "POST", QStringLiteral("/v1/users/bob/roles"), json({{QStringLiteral("role"), QStringLiteral("king")}}));
    step(QStringLiteral("grant a role to nobody"), "POST", QStringLiteral("/v1/users/nobody/roles"), json({{QStringLiteral("role"), QStringLiteral("user_admin")}}));
    step(QStringLiteral("revoke the role"), "DELETE", QStringLiteral("/v1/users/bob/roles/grid_admin"));
    step(QStringLiteral("my tokens"), "GET", QStringLiteral("/v1/user/access_tokens"));
    a = step(QStringLiteral("a token"), "POST", QStringLiteral("/v1/user/access_tokens"),
             json({{QStringLiteral("expires_in"), 0}, {QStringLiteral("description"), QStringLiteral("ci")}, {QStringLiteral("scopes"), QJsonArray{QStringLiteral("user")}}}));
    capture(QStringLiteral("{token_id}"), a, "id");
    step(QStringLiteral("a token expired before it starts"), "POST", QStringLiteral("/v1/user/access_tokens"), json({{QStringLiteral("expires_in"), -5}}));
    step(QStringLiteral("remove the token"), "DELETE", QStringLiteral("/v1/user/access_tokens/{token_id}"));
    step(QStringLiteral("remove it again"), "DELETE", QStringLiteral("/v1/user/access_tokens/{token_id}"));
}

void TestMasterWire::grids() {
    step(QStringLiteral("a grid"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), QStringLiteral("wire")}, {QStringLiteral("initial_size"), 1}}));
    step(QStringLiteral("the grid again"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), QStringLiteral("wire")}}));
    step(QStringLiteral("a bad grid name"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), QStringLiteral("Bad Name")}}));
    step(QStringLiteral("a grid name that is a number"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), 5}}));
    step(QStringLiteral("too many initial nodes"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("initial_size"), 9}}));
    step(QStringLiteral("too many nodes"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("max_nodes"), 0}}));
    step(QStringLiteral("not JSON"), "POST", QStringLiteral("/v1/grids"), QByteArrayLiteral("{not json"));
    step(QStringLiteral("a JSON array"), "POST", QStringLiteral("/v1/grids"), QByteArrayLiteral("[1,2]"));
    step(QStringLiteral("grids"), "GET", QStringLiteral("/v1/grids"));
    step(QStringLiteral("bob sees no grid"), "GET", QStringLiteral("/v1/grids"), {}, QStringLiteral("bob"));
    step(QStringLiteral("the grid"), "GET", QStringLiteral("/v1/grids/wire"));
    step(QStringLiteral("no such grid"), "GET", QStringLiteral("/v1/grids/nope"));
    step(QStringLiteral("grid settings"), "PUT", QStringLiteral("/v1/grids/wire"),
         json({{QStringLiteral("settings"), QJsonObject{{QStringLiteral("online_grace"), 30}, {QStringLiteral("offline_grace"), QJsonObject{{QStringLiteral("ha"), 60}}}}},
               {QStringLiteral("default_affinity"), QJsonArray{QStringLiteral("label!=bad")}}}));
    step(QStringLiteral("grid settings back"), "PUT", QStringLiteral("/v1/grids/wire"), json({{QStringLiteral("default_affinity"), QJsonArray{}}}));
    step(QStringLiteral("the grid token"), "GET", QStringLiteral("/v1/grids/wire/token"));
    step(QStringLiteral("bob may not read the grid"), "GET", QStringLiteral("/v1/grids/wire"), {}, QStringLiteral("bob"));
    step(QStringLiteral("bob joins"), "POST", QStringLiteral("/v1/grids/wire/users"), json({{QStringLiteral("email"), QStringLiteral("bob")}}));
    step(QStringLiteral("nobody joins"), "POST", QStringLiteral("/v1/grids/wire/users"), json({{QStringLiteral("email"), QStringLiteral("nobody")}}));
    step(QStringLiteral("grid users"), "GET", QStringLiteral("/v1/grids/wire/users"));
    step(QStringLiteral("bob may not read the grid token"), "GET", QStringLiteral("/v1/grids/wire/token"), {}, QStringLiteral("bob"));
    step(QStringLiteral("bob may not delete the grid"), "DELETE", QStringLiteral("/v1/grids/wire"), {}, QStringLiteral("bob"));
    step(QStringLiteral("no nodes yet"), "GET", QStringLiteral("/v1/grids/wire/nodes"));
    step(QStringLiteral("a method the path lacks"), "DELETE", QStringLiteral("/v1/ping"));
    step(QStringLiteral("no such route"), "GET", QStringLiteral("/v1/nope"));
}

void TestMasterWire::nodes() {
    connectAgent();
    step(QStringLiteral("nodes"), "GET", QStringLiteral("/v1/grids/wire/nodes"), {}, QStringLiteral("bob"));
    step(QStringLiteral("a node"), "GET", QStringLiteral("/v1/nodes/wire/node-1"));
    step(QStringLiteral("no such node"), "GET", QStringLiteral("/v1/nodes/wire/nope"));
    step(QStringLiteral("node labels"), "PUT", QStringLiteral("/v1/nodes/wire/node-1"),
         json({{QStringLiteral("labels"), QJsonArray{QStringLiteral("az=a"), QStringLiteral("ssd")}}}));
    step(QStringLiteral("a bad availability"), "PUT", QStringLiteral("/v1/nodes/wire/node-1"), json({{QStringLiteral("availability"), QStringLiteral("sideways")}}));
    step(QStringLiteral("labels that are no list"), "PUT", QStringLiteral("/v1/nodes/wire/node-1"), json({{QStringLiteral("labels"), QStringLiteral("ssd")}}));
    step(QStringLiteral("remove an online node"), "DELETE", QStringLiteral("/v1/nodes/wire/node-1"));
    step(QStringLiteral("the grid with its node"), "GET", QStringLiteral("/v1/grids/wire"));
}

void TestMasterWire::stacks() {
    step(QStringLiteral("a broken stack"), "POST", QStringLiteral("/v1/grids/wire/stacks"),
         json({{QStringLiteral("name"), QStringLiteral("broken")}, {QStringLiteral("source"), QStringLiteral("stack: a/b\nservices:\n  x:\n    imag: y\n")}}));
    step(QStringLiteral("a stack without source"), "POST", QStringLiteral("/v1/grids/wire/stacks"), json({{QStringLiteral("name"), QStringLiteral("empty")}}));
    step(QStringLiteral("a stack with a bad name"), "POST", QStringLiteral("/v1/grids/wire/stacks"),
         json({{QStringLiteral("name"), QStringLiteral("Web")}, {QStringLiteral("source"), QString::fromLatin1(kStack)}}));
    const Answer a = step(QStringLiteral("install a stack"), "POST", QStringLiteral("/v1/grids/wire/stacks"),
                          json({{QStringLiteral("name"), QStringLiteral("web")}, {QStringLiteral("stack"), QStringLiteral("test/web")},
                                {QStringLiteral("version"), QStringLiteral("1.0.0")}, {QStringLiteral("source"), QString::fromLatin1(kStack)},
                                {QStringLiteral("variables"), QJsonObject{{QStringLiteral("tag"), QStringLiteral("1")}}}}));
    capture(QStringLiteral("{stack_deploy}"), a, "deploy_id");
    step(QStringLiteral("install it again"), "POST", QStringLiteral("/v1/grids/wire/stacks"),
         json({{QStringLiteral("name"), QStringLiteral("web")}, {QStringLiteral("source"), QString::fromLatin1(kStack)}}));
    step(QStringLiteral("stacks"), "GET", QStringLiteral("/v1/grids/wire/stacks"));
    step(QStringLiteral("the stack"), "GET", QStringLiteral("/v1/stacks/wire/web"));
    step(QStringLiteral("no such stack"), "GET", QStringLiteral("/v1/stacks/wire/nope"));
    step(QStringLiteral("the stack deploy"), "GET", QStringLiteral("/v1/stacks/wire/web/deploys/{stack_deploy}"));
    step(QStringLiteral("no such stack deploy"), "GET", QStringLiteral("/v1/stacks/wire/web/deploys/999"));
}

void TestMasterWire::services() {
    const QString app = QStringLiteral("/v1/services/wire/web/app");
    step(QStringLiteral("services"), "GET", QStringLiteral("/v1/grids/wire/services"));
    step(QStringLiteral("services of a stack"), "GET", QStringLiteral("/v1/grids/wire/services?stack=web"));
    step(QStringLiteral("services of no stack"), "GET", QStringLiteral("/v1/grids/wire/services?stack=nope"));
    step(QStringLiteral("a service"), "GET", app);
    step(QStringLiteral("no such service"), "GET", QStringLiteral("/v1/services/wire/web/nope"));
    step(QStringLiteral("instances"), "GET", app + QStringLiteral("/instances"));
    step(QStringLiteral("containers"), "GET", app + QStringLiteral("/containers"));
    step(QStringLiteral("service logs"), "GET", app + QStringLiteral("/container_logs?limit=5"));
    step(QStringLiteral("grid logs"), "GET", QStringLiteral("/v1/grids/wire/container_logs"));
    const Answer a = step(QStringLiteral("scale up"), "POST", app + QStringLiteral("/scale"), json({{QStringLiteral("instances"), 3}}));
    capture(QStringLiteral("{deploy}"), a, "id");
    step(QStringLiteral("the deploy"), "GET", app + QStringLiteral("/deploys/{deploy}"));
    step(QStringLiteral("no such deploy"), "GET", app + QStringLiteral("/deploys/999"));
    step(QStringLiteral("scale below zero"), "POST", app + QStringLiteral("/scale"), json({{QStringLiteral("instances"), -1}}));
    step(QStringLiteral("scale by a fraction"), "POST", app + QStringLiteral("/scale"), json({{QStringLiteral("instances"), 1.5}}));
    step(QStringLiteral("scale by a word"), "POST", app + QStringLiteral("/scale"), json({{QStringLiteral("instances"), QStringLiteral("x")}}));
    step(QStringLiteral("scale without a number"), "POST", app + QStringLiteral("/scale"), json({}));
    step(QStringLiteral("force a deploy"), "POST", app + QStringLiteral("/deploy"), json({{QStringLiteral("force"), true}}));
    step(QStringLiteral("deploy"), "POST", app + QStringLiteral("/deploy"));
    step(QStringLiteral("stop"), "POST", app + QStringLiteral("/stop"));
    step(QStringLiteral("stopped instances"), "GET", app + QStringLiteral("/instances"));
    step(QStringLiteral("start"), "POST", app + QStringLiteral("/start"));
    step(QStringLiteral("restart"), "POST", app + QStringLiteral("/restart"));
    step(QStringLiteral("remove a service"), "DELETE", app);
    step(QStringLiteral("scale no such service"), "POST", QStringLiteral("/v1/services/wire/web/nope/scale"), json({{QStringLiteral("instances"), 1}}));
}

void TestMasterWire::stackActions() {
    step(QStringLiteral("stop the stack"), "POST", QStringLiteral("/v1/stacks/wire/web/stop"));
    step(QStringLiteral("a stopped stack"), "GET", QStringLiteral("/v1/stacks/wire/web"));
    step(QStringLiteral("start the stack"), "POST", QStringLiteral("/v1/stacks/wire/web/start"));
    step(QStringLiteral("deploy the stack"), "POST", QStringLiteral("/v1/stacks/wire/web/deploy"));
    step(QStringLiteral("restart the stack"), "POST", QStringLiteral("/v1/stacks/wire/web/restart"));
    step(QStringLiteral("stop no such stack"), "POST", QStringLiteral("/v1/stacks/wire/nope/stop"));
    step(QStringLiteral("upgrade the stack"), "PUT", QStringLiteral("/v1/stacks/wire/web"),
         json({{QStringLiteral("name"), QStringLiteral("web")}, {QStringLiteral("stack"), QStringLiteral("test/web")}, {QStringLiteral("version"), QStringLiteral("1.0.1")},
               {QStringLiteral("source"), QString::fromLatin1(kStackV2)}}));
    step(QStringLiteral("upgrade no such stack"), "PUT", QStringLiteral("/v1/stacks/wire/nope"),
         json({{QStringLiteral("name"), QStringLiteral("nope")}, {QStringLiteral("source"), QString::fromLatin1(kStack)}}));
    step(QStringLiteral("upgrade with a source that is a list"), "PUT", QStringLiteral("/v1/stacks/wire/web"), json({{QStringLiteral("source"), QJsonArray{1}}}));
    step(QStringLiteral("the upgraded service"), "GET", QStringLiteral("/v1/services/wire/web/app"));
    step(QStringLiteral("drain the node"), "PUT", QStringLiteral("/v1/nodes/wire/node-1"), json({{QStringLiteral("availability"), QStringLiteral("drain")}}));
    step(QStringLiteral("the drained node's instances"), "GET", QStringLiteral("/v1/services/wire/web/app/instances"));
    step(QStringLiteral("activate the node"), "PUT", QStringLiteral("/v1/nodes/wire/node-1"), json({{QStringLiteral("availability"), QStringLiteral("active")}}));
}

void TestMasterWire::volumes() {
    step(QStringLiteral("a volume"), "POST", QStringLiteral("/v1/volumes/wire"),
         json({{QStringLiteral("name"), QStringLiteral("data")}, {QStringLiteral("scope"), QStringLiteral("stack")},
               {QStringLiteral("driver"), QStringLiteral("local")}, {QStringLiteral("driver_opts"), QJsonObject{{QStringLiteral("size"), QStringLiteral("1G")}}}}));
    step(QStringLiteral("a default volume"), "POST", QStringLiteral("/v1/volumes/wire"), json({{QStringLiteral("name"), QStringLiteral("cache")}}));
    step(QStringLiteral("the volume again"), "POST", QStringLiteral("/v1/volumes/wire"), json({{QStringLiteral("name"), QStringLiteral("data")}}));
    step(QStringLiteral("a volume of no scope"), "POST", QStringLiteral("/v1/volumes/wire"), json({{QStringLiteral("name"), QStringLiteral("v")}, {QStringLiteral("scope"), QStringLiteral("x")}}));
    step(QStringLiteral("a volume with a bad name"), "POST", QStringLiteral("/v1/volumes/wire"), json({{QStringLiteral("name"), QStringLiteral("-v")}}));
    step(QStringLiteral("volumes"), "GET", QStringLiteral("/v1/volumes/wire"));
    step(QStringLiteral("the volume"), "GET", QStringLiteral("/v1/volumes/wire/data"));
    step(QStringLiteral("no such volume"), "GET", QStringLiteral("/v1/volumes/wire/nope"));
    step(QStringLiteral("remove the volume"), "DELETE", QStringLiteral("/v1/volumes/wire/data"));
    step(QStringLiteral("remove it again"), "DELETE", QStringLiteral("/v1/volumes/wire/data"));
}

void TestMasterWire::secrets() {
    step(QStringLiteral("a secret"), "POST", QStringLiteral("/v1/grids/wire/secrets"), json({{QStringLiteral("name"), QStringLiteral("db_pass")}, {QStringLiteral("value"), QStringLiteral("s3cret")}}));
    step(QStringLiteral("the secret again"), "POST", QStringLiteral("/v1/grids/wire/secrets"), json({{QStringLiteral("name"), QStringLiteral("db_pass")}, {QStringLiteral("value"), QStringLiteral("x")}}));
    step(QStringLiteral("a secret with a bad name"), "POST", QStringLiteral("/v1/grids/wire/secrets"), json({{QStringLiteral("name"), QStringLiteral("-x")}, {QStringLiteral("value"), QStringLiteral("x")}}));
    step(QStringLiteral("a secret without a value"), "POST", QStringLiteral("/v1/grids/wire/secrets"), json({{QStringLiteral("name"), QStringLiteral("y")}}));
    step(QStringLiteral("secrets"), "GET", QStringLiteral("/v1/grids/wire/secrets"));
    step(QStringLiteral("bob may not read a secret"), "GET", QStringLiteral("/v1/secrets/wire/db_pass"), {}, QStringLiteral("bob"));
    step(QStringLiteral("read the secret"), "GET", QStringLiteral("/v1/secrets/wire/db_pass"));
    step(QStringLiteral("change the secret"), "PUT", QStringLiteral("/v1/secrets/wire/db_pass"), json({{QStringLiteral("value"), QStringLiteral("n3w")}}));
    step(QStringLiteral("upsert a secret"), "PUT", QStringLiteral("/v1/secrets/wire/other"), json({{QStringLiteral("value"), QStringLiteral("o")}, {QStringLiteral("upsert"), true}}));
    step(QStringLiteral("upsert by a word"), "PUT", QStringLiteral("/v1/secrets/wire/other"), json({{QStringLiteral("value"), QStringLiteral("o")}, {QStringLiteral("upsert"), QStringLiteral("yes")}}));
    step(QStringLiteral("update no such secret"), "PUT", QStringLiteral("/v1/secrets/wire/none"), json({{QStringLiteral("value"), QStringLiteral("x")}}));
    step(QStringLiteral("remove the secret"), "DELETE", QStringLiteral("/v1/secrets/wire/db_pass"));
    step(QStringLiteral("remove it again"), "DELETE", QStringLiteral("/v1/secrets/wire/db_pass"));
}

void TestMasterWire::readsAndTeardown() {
    step(QStringLiteral("event log"), "GET", QStringLiteral("/v1/grids/wire/event_logs?limit=1000"));
    step(QStringLiteral("grid audit log"), "GET", QStringLiteral("/v1/grids/wire/audit_log"));
    step(QStringLiteral("audit log"), "GET", QStringLiteral("/v1/audit_logs"));
    step(QStringLiteral("bob may not read the audit log"), "GET", QStringLiteral("/v1/audit_logs"), {}, QStringLiteral("bob"));
    step(QStringLiteral("what-if state"), "GET", QStringLiteral("/v1/grids/wire/state"));
    step(QStringLiteral("remove the stack"), "DELETE", QStringLiteral("/v1/stacks/wire/web"));
    step(QStringLiteral("remove no such stack"), "DELETE", QStringLiteral("/v1/stacks/wire/web"));
    step(QStringLiteral("remove a grid with an online node"), "DELETE", QStringLiteral("/v1/grids/wire"));
    step(QStringLiteral("bob leaves"), "DELETE", QStringLiteral("/v1/grids/wire/users/bob"));
    step(QStringLiteral("nobody leaves"), "DELETE", QStringLiteral("/v1/grids/wire/users/nobody"));
    step(QStringLiteral("remove bob"), "DELETE", QStringLiteral("/v1/users/bob"));
    step(QStringLiteral("remove bob again"), "DELETE", QStringLiteral("/v1/users/bob"));
    step(QStringLiteral("a grid to remove"), "POST", QStringLiteral("/v1/grids"), json({{QStringLiteral("name"), QStringLiteral("short")}}));
    step(QStringLiteral("remove it"), "DELETE", QStringLiteral("/v1/grids/short"));
    step(QStringLiteral("grids at the end"), "GET", QStringLiteral("/v1/grids"));
}

QTEST_GUILESS_MAIN(TestMasterWire)
#include "tst_master_wire.moc"
