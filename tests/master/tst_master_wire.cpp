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
#include "protocol/node_stats.h"
#include "tests/agent/fake_runtime.h"
#include "vault/crypto.h"

using namespace kontena;
using namespace Qt::StringLiterals;

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
    static const QRegularExpression time(u"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z"_s);
    static const QRegularExpression uuid(u"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"_s);
    static const QRegularExpression secret(u"(\"(?:access_token|invite_code|token|token_last4)\"\\s*:\\s*)\"[^\"]*\""_s);
    body.replace(time, u"<time>"_s);
    body.replace(uuid, u"<uuid>"_s);
    body.replace(secret, u"\\1\"<secret>\""_s);
    static const QRegularExpression rev(u"(\"rev\"\\s*:\\s*)\\d+"_s);
    body.replace(rev, u"\\1\"<rev>\""_s);
    return body;
}

QString fixturePath() {
    return qEnvironmentVariable("KONTENA_SOURCE_DIR", u"."_s) + u"/tests/master/wire_fixture.json"_s;
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
                const QString& who = u"admin"_s) {
        QString concrete = path;
        for (auto it = captured_.cbegin(); it != captured_.cend(); ++it) concrete.replace(it.key(), it.value());
        const Answer a = send(method, concrete, body, who);
        recorded_.append(QJsonObject{{u"step"_s, name},
                                     {u"request"_s, QString(QLatin1String(method) + QLatin1Char(' ') + path + QLatin1Char(' ') +
                                                                         QString::fromUtf8(body))},
                                     {u"as"_s, who},
                                     {u"status"_s, a.status},
                                     {u"body"_s, maskVolatile(QString::fromUtf8(a.body))}});
        settle();
        return a;
    }

    // Until no deploy runs and every instance is where its desired state says.
    void settle() {
        master::GridRuntime* g = master_->grid(u"wire"_s);
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
        tokens_[u"grid"_s] = send("GET", u"/v1/grids/wire/token"_s, {}, u"admin"_s).object().value(u"token"_s).toString();
        agentd::AgentConfig c;
        c.masterUrl = QUrl(QString(url_).replace(u"http:"_s, u"ws:"_s));
        c.token = tokens_[u"grid"_s];
        c.nodeId = u"ID:node-1"_s;
        c.nodeName = u"node-1"_s;
        c.privateIp = u"127.0.2.10"_s;   // the node API shows it: the same on every machine
        c.grid = u"wire"_s;
        c.version = QString::fromLatin1(agentd::kAgentVersion);
        c.labels = {u"az=a"_s};
        c.timers.reconnectDelay = [](int) { return agentd::Millis(100); };
        agent_ = std::make_unique<agentd::Agent>(c, std::make_shared<testing::FakeRuntime>(), std::nullopt);
        agent_->start();
        auto online = [this] {
            return send("GET", u"/v1/grids/wire"_s, {}, u"admin"_s).object().value(u"etcd"_s).toObject().value(u"quorum"_s).toBool();
        };
        QTRY_VERIFY_WITH_TIMEOUT(online(), kWait);
    }

    void capture(const QString& name, const Answer& a, const char* key) {
        captured_[name] = a.object().value(QLatin1String(key)).toVariant().toString();
        QVERIFY2(!captured_[name].isEmpty(), qPrintable(name + u": "_s + QString::fromUtf8(a.body)));
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
    void stats();
    void labelsAndConfig();   // issue 18: stack labels (PATCH), the master configuration

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        master_ = std::make_unique<master::Master>();
        auto keys = vault::Keyring::parse(vault::Keyring::generateLine(1));
        QVERIFY(keys);
        master_->setVaultKeys(std::make_unique<vault::Keyring>(std::move(keys).value()));
        QString code, error;
        QVERIFY2(master_->open(dir_.path(), u"admin-code"_s, &code, &error), qPrintable(error));
        const quint16 port = master_->listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        url_ = u"http://127.0.0.1:%1"_s.arg(port);
        tokens_[u"none"_s] = QString();
        tokens_[u"forged"_s] = u"not-a-token"_s;
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
        stats();
        labelsAndConfig();
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
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(fixturePath() + u": record it with KONTENA_WIRE_RECORD=1"_s));
        const QJsonArray expected = QJsonDocument::fromJson(f.readAll()).array();
        for (qsizetype i = 0; i < std::min(expected.size(), recorded_.size()); ++i) {
            const QJsonObject want = expected.at(i).toObject(), got = recorded_.at(i).toObject();
            const QString where = u"step %1 (%2: %3)"_s.arg(i).arg(want.value(u"step"_s).toString(), want.value(u"request"_s).toString());
            QVERIFY2(want.value(u"request"_s) == got.value(u"request"_s), qPrintable(where + u": the script changed, re-record"_s));
            QVERIFY2(want.value(u"status"_s) == got.value(u"status"_s),
                     qPrintable(where + u": status %1, recorded %2"_s.arg(got.value(u"status"_s).toInt()).arg(want.value(u"status"_s).toInt())));
            QVERIFY2(want.value(u"body"_s) == got.value(u"body"_s),
                     qPrintable(where + u":\n   got: "_s + got.value(u"body"_s).toString() + u"\nwanted: "_s +
                                want.value(u"body"_s).toString()));
        }
        QCOMPARE(recorded_.size(), expected.size());
    }

    void cleanupTestCase() {
        agent_.reset();
        master_.reset();
    }
};

void TestMasterWire::authAndUsers() {
    step(u"ping"_s, "GET", u"/v1/ping"_s, {}, u"none"_s);
    Answer a = step(u"log in with the admin code"_s, "POST", u"/v1/auth"_s, json({{u"code"_s, u"admin-code"_s}}),
                    u"none"_s);
    tokens_[u"admin"_s] = a.object().value(u"access_token"_s).toString();
    step(u"a wrong code"_s, "POST", u"/v1/auth"_s, json({{u"code"_s, u"nope"_s}}), u"none"_s);
    step(u"no token"_s, "GET", u"/v1/user"_s, {}, u"none"_s);
    step(u"a forged token"_s, "GET", u"/v1/user"_s, {}, u"forged"_s);
    step(u"who am I"_s, "GET", u"/v1/user"_s);
    a = step(u"invite bob"_s, "POST", u"/v1/users"_s, json({{u"email"_s, u"bob"_s}}));
    const QString invite = a.object().value(u"invite_code"_s).toString();
    step(u"invite bob again"_s, "POST", u"/v1/users"_s, json({{u"email"_s, u"bob"_s}}));
    step(u"invite nobody"_s, "POST", u"/v1/users"_s, json({}));
    step(u"invite a number"_s, "POST", u"/v1/users"_s, json({{u"email"_s, 5}}));
    a = send("POST", u"/v1/auth"_s, json({{u"code"_s, invite}}), u"none"_s);
    tokens_[u"bob"_s] = a.object().value(u"access_token"_s).toString();
    QVERIFY(!tokens_[u"bob"_s].isEmpty());
    step(u"users"_s, "GET", u"/v1/users"_s);
    step(u"bob may not list users"_s, "GET", u"/v1/users"_s, {}, u"bob"_s);
    step(u"grant a role"_s, "POST", u"/v1/users/bob/roles"_s, json({{u"role"_s, u"grid_admin"_s}}));
    step(u"grant no role"_s, "POST", u"/v1/users/bob/roles"_s, json({{u"role"_s, u"king"_s}}));
    step(u"grant a role to nobody"_s, "POST", u"/v1/users/nobody/roles"_s, json({{u"role"_s, u"user_admin"_s}}));
    step(u"revoke the role"_s, "DELETE", u"/v1/users/bob/roles/grid_admin"_s);
    step(u"my tokens"_s, "GET", u"/v1/user/access_tokens"_s);
    a = step(u"a token"_s, "POST", u"/v1/user/access_tokens"_s,
             json({{u"expires_in"_s, 0}, {u"description"_s, u"ci"_s}, {u"scopes"_s, QJsonArray{u"user"_s}}}));
    capture(u"{token_id}"_s, a, "id");
    step(u"a token expired before it starts"_s, "POST", u"/v1/user/access_tokens"_s, json({{u"expires_in"_s, -5}}));
    step(u"remove the token"_s, "DELETE", u"/v1/user/access_tokens/{token_id}"_s);
    step(u"remove it again"_s, "DELETE", u"/v1/user/access_tokens/{token_id}"_s);
}

void TestMasterWire::grids() {
    step(u"a grid"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"wire"_s}, {u"initial_size"_s, 1}, {u"subnet"_s, u"127.81.0.0/16"_s}}));
    step(u"the grid again"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"wire"_s}}));
    step(u"a bad grid name"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"Bad Name"_s}}));
    step(u"a grid name that is a number"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, 5}}));
    step(u"too many initial nodes"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"x"_s}, {u"initial_size"_s, 9}}));
    step(u"too many nodes"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"x"_s}, {u"max_nodes"_s, 0}}));
    step(u"a subnet that is not one"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"x"_s}, {u"subnet"_s, u"127.81.0.1/16"_s}}));
    step(u"a subnet too small for max_nodes"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"x"_s}, {u"subnet"_s, u"127.81.0.0/24"_s}, {u"max_nodes"_s, 200}}));
    step(u"not JSON"_s, "POST", u"/v1/grids"_s, QByteArrayLiteral("{not json"));
    step(u"a JSON array"_s, "POST", u"/v1/grids"_s, QByteArrayLiteral("[1,2]"));
    step(u"grids"_s, "GET", u"/v1/grids"_s);
    step(u"bob sees no grid"_s, "GET", u"/v1/grids"_s, {}, u"bob"_s);
    step(u"the grid"_s, "GET", u"/v1/grids/wire"_s);
    step(u"no such grid"_s, "GET", u"/v1/grids/nope"_s);
    step(u"grid settings"_s, "PUT", u"/v1/grids/wire"_s,
         json({{u"settings"_s, QJsonObject{{u"online_grace"_s, 30}, {u"offline_grace"_s, QJsonObject{{u"ha"_s, 60}}}}},
               {u"default_affinity"_s, QJsonArray{u"label!=bad"_s}}}));
    step(u"grid settings back"_s, "PUT", u"/v1/grids/wire"_s, json({{u"default_affinity"_s, QJsonArray{}}}));
    step(u"the grid token"_s, "GET", u"/v1/grids/wire/token"_s);
    step(u"bob may not read the grid"_s, "GET", u"/v1/grids/wire"_s, {}, u"bob"_s);
    step(u"bob joins"_s, "POST", u"/v1/grids/wire/users"_s, json({{u"email"_s, u"bob"_s}}));
    step(u"nobody joins"_s, "POST", u"/v1/grids/wire/users"_s, json({{u"email"_s, u"nobody"_s}}));
    step(u"grid users"_s, "GET", u"/v1/grids/wire/users"_s);
    step(u"bob may not read the grid token"_s, "GET", u"/v1/grids/wire/token"_s, {}, u"bob"_s);
    step(u"bob may not delete the grid"_s, "DELETE", u"/v1/grids/wire"_s, {}, u"bob"_s);
    step(u"no nodes yet"_s, "GET", u"/v1/grids/wire/nodes"_s);
    step(u"a method the path lacks"_s, "DELETE", u"/v1/ping"_s);
    step(u"no such route"_s, "GET", u"/v1/nope"_s);
}

void TestMasterWire::nodes() {
    connectAgent();
    step(u"nodes"_s, "GET", u"/v1/grids/wire/nodes"_s, {}, u"bob"_s);
    step(u"a node"_s, "GET", u"/v1/nodes/wire/node-1"_s);
    step(u"no such node"_s, "GET", u"/v1/nodes/wire/nope"_s);
    step(u"node labels"_s, "PUT", u"/v1/nodes/wire/node-1"_s,
         json({{u"labels"_s, QJsonArray{u"az=a"_s, u"ssd"_s}}}));
    step(u"a bad availability"_s, "PUT", u"/v1/nodes/wire/node-1"_s, json({{u"availability"_s, u"sideways"_s}}));
    step(u"labels that are no list"_s, "PUT", u"/v1/nodes/wire/node-1"_s, json({{u"labels"_s, u"ssd"_s}}));
    step(u"remove an online node"_s, "DELETE", u"/v1/nodes/wire/node-1"_s);
    step(u"the grid with its node"_s, "GET", u"/v1/grids/wire"_s);
}

void TestMasterWire::stacks() {
    step(u"a broken stack"_s, "POST", u"/v1/grids/wire/stacks"_s,
         json({{u"name"_s, u"broken"_s}, {u"source"_s, u"stack: a/b\nservices:\n  x:\n    imag: y\n"_s}}));
    step(u"a stack without source"_s, "POST", u"/v1/grids/wire/stacks"_s, json({{u"name"_s, u"empty"_s}}));
    step(u"a stack with a bad name"_s, "POST", u"/v1/grids/wire/stacks"_s,
         json({{u"name"_s, u"Web"_s}, {u"source"_s, QString::fromLatin1(kStack)}}));
    const Answer a = step(u"install a stack"_s, "POST", u"/v1/grids/wire/stacks"_s,
                          json({{u"name"_s, u"web"_s}, {u"stack"_s, u"test/web"_s},
                                {u"version"_s, u"1.0.0"_s}, {u"source"_s, QString::fromLatin1(kStack)},
                                {u"variables"_s, QJsonObject{{u"tag"_s, u"1"_s}}}}));
    capture(u"{stack_deploy}"_s, a, "deploy_id");
    step(u"install it again"_s, "POST", u"/v1/grids/wire/stacks"_s,
         json({{u"name"_s, u"web"_s}, {u"source"_s, QString::fromLatin1(kStack)}}));
    step(u"stacks"_s, "GET", u"/v1/grids/wire/stacks"_s);
    step(u"the stack"_s, "GET", u"/v1/stacks/wire/web"_s);
    step(u"no such stack"_s, "GET", u"/v1/stacks/wire/nope"_s);
    step(u"the stack deploy"_s, "GET", u"/v1/stacks/wire/web/deploys/{stack_deploy}"_s);
    step(u"no such stack deploy"_s, "GET", u"/v1/stacks/wire/web/deploys/999"_s);
}

void TestMasterWire::services() {
    const QString app = u"/v1/services/wire/web/app"_s;
    step(u"services"_s, "GET", u"/v1/grids/wire/services"_s);
    step(u"services of a stack"_s, "GET", u"/v1/grids/wire/services?stack=web"_s);
    step(u"services of no stack"_s, "GET", u"/v1/grids/wire/services?stack=nope"_s);
    step(u"a service"_s, "GET", app);
    step(u"no such service"_s, "GET", u"/v1/services/wire/web/nope"_s);
    step(u"instances"_s, "GET", app + u"/instances"_s);
    step(u"containers"_s, "GET", app + u"/containers"_s);
    step(u"service logs"_s, "GET", app + u"/container_logs?limit=5"_s);
    step(u"grid logs"_s, "GET", u"/v1/grids/wire/container_logs"_s);
    step(u"logs since a word"_s, "GET", app + u"/container_logs?since=yesterday"_s);
    step(u"logs of instance zero"_s, "GET", app + u"/container_logs?instance=0"_s);
    step(u"logs after no id"_s, "GET", u"/v1/grids/wire/container_logs?after=x"_s);
    step(u"logs since a time"_s, "GET", app + u"/container_logs?since=2026-01-01T00:00:00Z&instance=1"_s);
    const Answer a = step(u"scale up"_s, "POST", app + u"/scale"_s, json({{u"instances"_s, 3}}));
    capture(u"{deploy}"_s, a, "id");
    step(u"the deploy"_s, "GET", app + u"/deploys/{deploy}"_s);
    step(u"no such deploy"_s, "GET", app + u"/deploys/999"_s);
    step(u"scale below zero"_s, "POST", app + u"/scale"_s, json({{u"instances"_s, -1}}));
    step(u"scale by a fraction"_s, "POST", app + u"/scale"_s, json({{u"instances"_s, 1.5}}));
    step(u"scale by a word"_s, "POST", app + u"/scale"_s, json({{u"instances"_s, u"x"_s}}));
    step(u"scale without a number"_s, "POST", app + u"/scale"_s, json({}));
    step(u"force a deploy"_s, "POST", app + u"/deploy"_s, json({{u"force"_s, true}}));
    step(u"deploy"_s, "POST", app + u"/deploy"_s);
    step(u"stop"_s, "POST", app + u"/stop"_s);
    step(u"stopped instances"_s, "GET", app + u"/instances"_s);
    step(u"start"_s, "POST", app + u"/start"_s);
    step(u"restart"_s, "POST", app + u"/restart"_s);
    step(u"remove a service"_s, "DELETE", app);
    step(u"scale no such service"_s, "POST", u"/v1/services/wire/web/nope/scale"_s, json({{u"instances"_s, 1}}));
}

void TestMasterWire::stackActions() {
    step(u"stop the stack"_s, "POST", u"/v1/stacks/wire/web/stop"_s);
    step(u"a stopped stack"_s, "GET", u"/v1/stacks/wire/web"_s);
    step(u"start the stack"_s, "POST", u"/v1/stacks/wire/web/start"_s);
    step(u"deploy the stack"_s, "POST", u"/v1/stacks/wire/web/deploy"_s);
    step(u"restart the stack"_s, "POST", u"/v1/stacks/wire/web/restart"_s);
    step(u"stop no such stack"_s, "POST", u"/v1/stacks/wire/nope/stop"_s);
    step(u"upgrade the stack"_s, "PUT", u"/v1/stacks/wire/web"_s,
         json({{u"name"_s, u"web"_s}, {u"stack"_s, u"test/web"_s}, {u"version"_s, u"1.0.1"_s},
               {u"source"_s, QString::fromLatin1(kStackV2)}}));
    step(u"upgrade no such stack"_s, "PUT", u"/v1/stacks/wire/nope"_s,
         json({{u"name"_s, u"nope"_s}, {u"source"_s, QString::fromLatin1(kStack)}}));
    step(u"upgrade with a source that is a list"_s, "PUT", u"/v1/stacks/wire/web"_s, json({{u"source"_s, QJsonArray{1}}}));
    step(u"the upgraded service"_s, "GET", u"/v1/services/wire/web/app"_s);
    step(u"drain the node"_s, "PUT", u"/v1/nodes/wire/node-1"_s, json({{u"availability"_s, u"drain"_s}}));
    step(u"the drained node's instances"_s, "GET", u"/v1/services/wire/web/app/instances"_s);
    step(u"activate the node"_s, "PUT", u"/v1/nodes/wire/node-1"_s, json({{u"availability"_s, u"active"_s}}));
}

void TestMasterWire::volumes() {
    step(u"a volume"_s, "POST", u"/v1/volumes/wire"_s,
         json({{u"name"_s, u"data"_s}, {u"scope"_s, u"stack"_s},
               {u"driver"_s, u"local"_s}, {u"driver_opts"_s, QJsonObject{{u"size"_s, u"1G"_s}}}}));
    step(u"a default volume"_s, "POST", u"/v1/volumes/wire"_s, json({{u"name"_s, u"cache"_s}}));
    step(u"the volume again"_s, "POST", u"/v1/volumes/wire"_s, json({{u"name"_s, u"data"_s}}));
    step(u"a volume of no scope"_s, "POST", u"/v1/volumes/wire"_s, json({{u"name"_s, u"v"_s}, {u"scope"_s, u"x"_s}}));
    step(u"a volume with a bad name"_s, "POST", u"/v1/volumes/wire"_s, json({{u"name"_s, u"-v"_s}}));
    step(u"volumes"_s, "GET", u"/v1/volumes/wire"_s);
    step(u"the volume"_s, "GET", u"/v1/volumes/wire/data"_s);
    step(u"no such volume"_s, "GET", u"/v1/volumes/wire/nope"_s);
    step(u"remove the volume"_s, "DELETE", u"/v1/volumes/wire/data"_s);
    step(u"remove it again"_s, "DELETE", u"/v1/volumes/wire/data"_s);
}

void TestMasterWire::secrets() {
    step(u"a secret"_s, "POST", u"/v1/grids/wire/secrets"_s, json({{u"name"_s, u"db_pass"_s}, {u"value"_s, u"s3cret"_s}}));
    step(u"the secret again"_s, "POST", u"/v1/grids/wire/secrets"_s, json({{u"name"_s, u"db_pass"_s}, {u"value"_s, u"x"_s}}));
    step(u"a secret with a bad name"_s, "POST", u"/v1/grids/wire/secrets"_s, json({{u"name"_s, u"-x"_s}, {u"value"_s, u"x"_s}}));
    step(u"a secret without a value"_s, "POST", u"/v1/grids/wire/secrets"_s, json({{u"name"_s, u"y"_s}}));
    step(u"secrets"_s, "GET", u"/v1/grids/wire/secrets"_s);
    step(u"bob may not read a secret"_s, "GET", u"/v1/secrets/wire/db_pass"_s, {}, u"bob"_s);
    step(u"read the secret"_s, "GET", u"/v1/secrets/wire/db_pass"_s);
    step(u"change the secret"_s, "PUT", u"/v1/secrets/wire/db_pass"_s, json({{u"value"_s, u"n3w"_s}}));
    step(u"upsert a secret"_s, "PUT", u"/v1/secrets/wire/other"_s, json({{u"value"_s, u"o"_s}, {u"upsert"_s, true}}));
    step(u"upsert by a word"_s, "PUT", u"/v1/secrets/wire/other"_s, json({{u"value"_s, u"o"_s}, {u"upsert"_s, u"yes"_s}}));
    step(u"update no such secret"_s, "PUT", u"/v1/secrets/wire/none"_s, json({{u"value"_s, u"x"_s}}));
    step(u"remove the secret"_s, "DELETE", u"/v1/secrets/wire/db_pass"_s);
    step(u"remove it again"_s, "DELETE", u"/v1/secrets/wire/db_pass"_s);
}

void TestMasterWire::readsAndTeardown() {
    step(u"event log"_s, "GET", u"/v1/grids/wire/event_logs?limit=1000"_s);
    step(u"grid audit log"_s, "GET", u"/v1/grids/wire/audit_log"_s);
    step(u"audit log"_s, "GET", u"/v1/audit_logs"_s);
    step(u"bob may not read the audit log"_s, "GET", u"/v1/audit_logs"_s, {}, u"bob"_s);
    step(u"what-if state"_s, "GET", u"/v1/grids/wire/state"_s);
    step(u"remove the stack"_s, "DELETE", u"/v1/stacks/wire/web"_s);
    step(u"remove no such stack"_s, "DELETE", u"/v1/stacks/wire/web"_s);
    step(u"remove a grid with an online node"_s, "DELETE", u"/v1/grids/wire"_s);
    step(u"bob leaves"_s, "DELETE", u"/v1/grids/wire/users/bob"_s);
    step(u"nobody leaves"_s, "DELETE", u"/v1/grids/wire/users/nobody"_s);
    step(u"remove bob"_s, "DELETE", u"/v1/users/bob"_s);
    step(u"remove bob again"_s, "DELETE", u"/v1/users/bob"_s);
    step(u"a grid to remove"_s, "POST", u"/v1/grids"_s, json({{u"name"_s, u"short"_s}}));
    step(u"remove it"_s, "DELETE", u"/v1/grids/short"_s);
    step(u"grids at the end"_s, "GET", u"/v1/grids"_s);
}

// Statistics routes. The wire agent has no engine to sample, so samples at
// fixed times go straight into the grid's statistics, read back with from/to.
void TestMasterWire::stats() {
    master::GridRuntime* g = master_->grid(u"wire"_s);
    QVERIFY(g);
    const QDateTime at = QDateTime::fromString(u"2026-01-01T00:00:10Z"_s, Qt::ISODate);
    protocol::NodeStatsReport node;
    node.memTotal = 4LL << 30;
    node.memUsed = 1LL << 30;
    node.memFree = 2LL << 30;
    node.memCached = 1LL << 30;
    node.load1 = 0.25;
    node.cpuPercent = 12.5;
    node.rxBytes = 1000;
    node.txBytes = 2000;
    node.at = at;
    g->stats().addNode(u"node-1"_s, node);
    const QString period = u"from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z"_s;
    step(u"node stats of a period"_s, "GET", u"/v1/nodes/wire/node-1/stats?"_s + period);
    step(u"node stats without a token"_s, "GET", u"/v1/nodes/wire/node-1/stats"_s, {}, u"none"_s);
    step(u"stats of no such node"_s, "GET", u"/v1/nodes/wire/nope/stats"_s);
    step(u"stats since a word"_s, "GET", u"/v1/nodes/wire/node-1/stats?since=yesterday"_s);
    step(u"stats from a word"_s, "GET", u"/v1/nodes/wire/node-1/stats?from=x"_s);
    step(u"stats to before from"_s, "GET", u"/v1/nodes/wire/node-1/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"_s);
    step(u"stats from and since"_s, "GET", u"/v1/nodes/wire/node-1/stats?from=2026-01-01T00:00:00Z&since=1h"_s);
    step(u"a stack to measure"_s, "POST", u"/v1/grids/wire/stacks"_s,
         json({{u"name"_s, u"metrics"_s}, {u"source"_s, QString::fromLatin1(kStack)}}));
    const Service* svc = g->state().service("metrics/app");
    QVERIFY(svc);
    const QString container = QString::fromStdString(containerName(svc->spec, 1));
    stats::Sample s;
    s.at = Instant(at.toMSecsSinceEpoch());
    s.cpuPercent = 3.5;
    s.memory = 50LL << 20;
    s.memoryLimit = 100LL << 20;
    s.rxBytes = 10;
    s.txBytes = 20;
    g->stats().addContainer("metrics/app", 1, container, u"node-1"_s, s);
    step(u"service stats of a period"_s, "GET", u"/v1/services/wire/metrics/app/stats?"_s + period);
    step(u"service stats of the last hour"_s, "GET", u"/v1/services/wire/metrics/app/stats"_s);
    step(u"container stats"_s, "GET", u"/v1/containers/wire/node-1/"_s + container + u"/stats?"_s + period);
    step(u"stats of a container not on the node"_s, "GET", u"/v1/containers/wire/node-1/nope/stats"_s);
    step(u"stats of no such service"_s, "GET", u"/v1/services/wire/metrics/nope/stats"_s);
    step(u"a statsd server"_s, "PUT", u"/v1/grids/wire"_s,
         json({{u"stats"_s, QJsonObject{{u"statsd"_s, QJsonObject{{u"server"_s, u"127.0.0.1"_s}, {u"port"_s, 9}}}}}}));
    step(u"a statsd port out of range"_s, "PUT", u"/v1/grids/wire"_s,
         json({{u"stats"_s, QJsonObject{{u"statsd"_s, QJsonObject{{u"server"_s, u"127.0.0.1"_s}, {u"port"_s, 70000}}}}}}));
    step(u"no statsd server"_s, "PUT", u"/v1/grids/wire"_s, json({{u"stats"_s, QJsonObject{{u"statsd"_s, QJsonValue::Null}}}}));
}

QTEST_GUILESS_MAIN(TestMasterWire)
#include "tst_master_wire.moc"

// Added after the older steps (their recordings stay as they were).
void TestMasterWire::labelsAndConfig() {
    const QString metrics = u"/v1/stacks/wire/metrics"_s;
    step(u"label a stack"_s, "PATCH", metrics, json({{u"labels"_s, QJsonArray{u"fqdn=about.me"_s, u"env=prod"_s, u"env=prod"_s}}}));
    step(u"a label without a value"_s, "PATCH", metrics, json({{u"labels"_s, QJsonArray{u"env"_s}}}));
    step(u"labels that are no list"_s, "PATCH", metrics, json({{u"labels"_s, u"env=prod"_s}}));
    step(u"label no such stack"_s, "PATCH", u"/v1/stacks/wire/nope"_s, json({{u"labels"_s, QJsonArray{}}}));
    step(u"label without a token"_s, "PATCH", metrics, json({{u"labels"_s, QJsonArray{}}}), u"none"_s);
    step(u"the labelled stack"_s, "GET", metrics);
    step(u"no configuration yet"_s, "GET", u"/v1/config"_s);
    step(u"configure"_s, "PATCH", u"/v1/config"_s, json({{u"server.name"_s, u"wire-master"_s}, {u"limits.max"_s, 5}, {u"feature.on"_s, true}}));
    step(u"a configuration value"_s, "GET", u"/v1/config/server.name"_s);
    step(u"an unset configuration value"_s, "GET", u"/v1/config/nope"_s);
    step(u"configuration by prefix"_s, "GET", u"/v1/config?filter=server.*"_s);
    step(u"an object as a value"_s, "PATCH", u"/v1/config"_s, json({{u"x"_s, QJsonObject{}}}));
    step(u"a bad key"_s, "PATCH", u"/v1/config"_s, json({{u"a key"_s, u"1"_s}}));
    step(u"the salt"_s, "PATCH", u"/v1/config"_s, json({{u"server.salt"_s, u"1"_s}}));
    step(u"unset by null"_s, "PATCH", u"/v1/config"_s, json({{u"feature.on"_s, QJsonValue::Null}}));
    step(u"log in names the master"_s, "POST", u"/v1/auth"_s, json({{u"code"_s, u"admin-code"_s}}), u"none"_s);
    step(u"replace the configuration"_s, "PUT", u"/v1/config"_s, json({{u"a"_s, u"1"_s}}));
    step(u"the whole configuration"_s, "GET", u"/v1/config"_s);
    step(u"unset a key"_s, "DELETE", u"/v1/config/a"_s);
    step(u"unset it again"_s, "DELETE", u"/v1/config/a"_s);
    step(u"clear the configuration"_s, "DELETE", u"/v1/config"_s);
    step(u"configuration without a token"_s, "GET", u"/v1/config"_s, {}, u"none"_s);
}
