// The master's REST API in-process: the route table is the test's input,
// so a new route cannot skip authentication or authorisation.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "client/client.h"
#include "master/api_server.h"

using namespace kontena;
using namespace kontena::master;

namespace {

QString methodName(QHttpServerRequest::Method m) {
    switch (m) {
    case QHttpServerRequest::Method::Get: return QStringLiteral("GET");
    case QHttpServerRequest::Method::Post: return QStringLiteral("POST");
    case QHttpServerRequest::Method::Put: return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Delete: return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Patch: return QStringLiteral("PATCH");
    default: return QStringLiteral("OTHER");
    }
}

client::ApiResult call(client::ApiClient& c, QHttpServerRequest::Method m, const QString& path, const QJsonObject& body = {}) {
    switch (m) {
    case QHttpServerRequest::Method::Get: return c.get(path);
    case QHttpServerRequest::Method::Post: return c.post(path, body);
    case QHttpServerRequest::Method::Put: return c.put(path, body);
    case QHttpServerRequest::Method::Delete: return c.del(path);
    case QHttpServerRequest::Method::Patch: return c.patch(path, body);
    default: return {};
    }
}

// A concrete path for a route pattern: every :param gets a real name.
QString concrete(const QString& pattern) {
    QString p = pattern;
    p.replace(QStringLiteral(":grid"), QStringLiteral("prod"));
    p.replace(QStringLiteral(":node"), QStringLiteral("node-1"));
    p.replace(QStringLiteral(":stack"), QStringLiteral("web"));
    p.replace(QStringLiteral(":service"), QStringLiteral("app"));
    p.replace(QStringLiteral(":name"), QStringLiteral("web"));
    p.replace(QStringLiteral(":email"), QStringLiteral("bob"));
    p.replace(QStringLiteral(":role"), QStringLiteral("grid_admin"));
    p.replace(QStringLiteral(":id"), QStringLiteral("1"));
    return p;
}

const char* kStack = "stack: test/web\nversion: 1.0.0\nservices:\n  app:\n    image: busybox:1\n    instances: 2\n";

}  // namespace

class TestMasterApi : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<Master> master_;
    QString url_;
    QString adminToken_, userToken_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        master_ = std::make_unique<Master>();
        QString code, error;
        QVERIFY2(master_->open(dir_.path(), QStringLiteral("admin-code"), &code, &error), qPrintable(error));
        QVERIFY(code.isEmpty());   // a fixed code is never printed
        const quint16 port = master_->listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        url_ = QStringLiteral("http://127.0.0.1:%1").arg(port);

        client::ApiClient anon(url_, QString());
        auto auth = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("admin-code")}});
        QVERIFY2(auth.ok(), qPrintable(auth.error ? auth.error->message : QString()));
        adminToken_ = auth.object().value(QStringLiteral("access_token")).toString();
        QCOMPARE(adminToken_.size(), 43);

        client::ApiClient admin(url_, adminToken_);
        QVERIFY(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("prod")}}).ok());
        auto invite = admin.post(QStringLiteral("/v1/users"), QJsonObject{{QStringLiteral("email"), QStringLiteral("bob")}});
        QVERIFY(invite.ok());
        auto bob = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), invite.object().value(QStringLiteral("invite_code")).toString()}});
        QVERIFY(bob.ok());
        userToken_ = bob.object().value(QStringLiteral("access_token")).toString();
        // An invite code works once.
        QCOMPARE(anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), invite.object().value(QStringLiteral("invite_code")).toString()}}).error->status, 401);
    }

    // Every route but the public ones: no token 401, a wrong token 401, and
    // (for routes above "any user") bob, who is no member of grid prod, 403.
    void everyRouteChecksTokens() {
        client::ApiClient none(url_, QString()), bad(url_, QStringLiteral("not-a-token")), bob(url_, userToken_);
        int checked = 0;
        for (const Route& r : master_->routes()) {
            const QString path = concrete(r.pattern);
            const QString what = methodName(r.method) + QLatin1Char(' ') + r.pattern;
            if (r.permission == Permission::Public) {
                QVERIFY2(r.pattern == QStringLiteral("/v1/ping") || r.pattern == QStringLiteral("/v1/auth"), qPrintable(what + QStringLiteral(" is public")));
                continue;
            }
            ++checked;
            QCOMPARE(call(none, r.method, path).error.value_or(client::ApiError{}).status, 401);
            QCOMPARE(call(bad, r.method, path).error.value_or(client::ApiError{}).status, 401);
            if (r.permission != Permission::User) {
                const auto res = call(bob, r.method, path);
                QVERIFY2(res.error && res.error->status == 403, qPrintable(what + QStringLiteral(" let a non-member through")));
            }
        }
        QVERIFY(checked > 40);
        QVERIFY(none.get(QStringLiteral("/v1/ping")).ok());
    }

    void gridMembershipGivesAccess() {
        client::ApiClient admin(url_, adminToken_), bob(url_, userToken_);
        QCOMPARE(bob.get(QStringLiteral("/v1/grids/prod/nodes")).error->status, 403);
        QVERIFY(admin.post(QStringLiteral("/v1/grids/prod/users"), QJsonObject{{QStringLiteral("email"), QStringLiteral("bob")}}).ok());
        QVERIFY(bob.get(QStringLiteral("/v1/grids/prod/nodes")).ok());
        // A member still cannot read the grid token (grid admin) nor delete the grid.
        QCOMPARE(bob.get(QStringLiteral("/v1/grids/prod/token")).error->status, 403);
        QCOMPARE(bob.del(QStringLiteral("/v1/grids/prod")).error->status, 403);
        QVERIFY(admin.del(QStringLiteral("/v1/grids/prod/users/bob")).ok());
        QCOMPARE(bob.get(QStringLiteral("/v1/grids/prod/nodes")).error->status, 403);
    }

    void stacksAndServices() {
        client::ApiClient admin(url_, adminToken_);
        auto bad = admin.post(QStringLiteral("/v1/grids/prod/stacks"),
                              QJsonObject{{QStringLiteral("name"), QStringLiteral("broken")}, {QStringLiteral("source"), QStringLiteral("stack: a/b\nservices:\n  x:\n    imag: y\n")}});
        QVERIFY(bad.error);
        QCOMPARE(bad.error->status, 422);
        QVERIFY2(QRegularExpression(QStringLiteral("broken\\.yml:\\d+:\\d+")).match(bad.error->message).hasMatch(), qPrintable(bad.error->message));

        auto ok = admin.post(QStringLiteral("/v1/grids/prod/stacks"), QJsonObject{{QStringLiteral("name"), QStringLiteral("web")},
                                                                                  {QStringLiteral("source"), QString::fromLatin1(kStack)},
                                                                                  {QStringLiteral("deploy"), false}});
        QVERIFY2(ok.ok(), qPrintable(ok.error ? ok.error->message : QString()));
        QCOMPARE(ok.object().value(QStringLiteral("name")).toString(), QStringLiteral("web"));
        QCOMPARE(admin.post(QStringLiteral("/v1/grids/prod/stacks"), QJsonObject{{QStringLiteral("name"), QStringLiteral("web")},
                                                                                {QStringLiteral("source"), QString::fromLatin1(kStack)}}).error->status, 409);
        auto svc = admin.get(QStringLiteral("/v1/services/prod/web/app"));
        QVERIFY(svc.ok());
        QCOMPARE(svc.object().value(QStringLiteral("instances")).toInt(), 2);
        QCOMPARE(svc.object().value(QStringLiteral("state")).toString(), QStringLiteral("initialized"));
        QCOMPARE(admin.post(QStringLiteral("/v1/services/prod/web/app/scale"), QJsonObject{{QStringLiteral("instances"), -1}}).error->status, 422);
        QCOMPARE(admin.get(QStringLiteral("/v1/services/prod/web/nope")).error->status, 404);
        // No node has connected: the grid has no etcd quorum, so deploying is refused with 503.
        auto deploy = admin.post(QStringLiteral("/v1/stacks/prod/web/deploy"));
        QVERIFY(deploy.error);
        QCOMPARE(deploy.error->status, 503);
        QVERIFY2(deploy.error->message.contains(QStringLiteral("quorum")), qPrintable(deploy.error->message));
        // The what-if snapshot carries the stack's source.
        auto state = admin.get(QStringLiteral("/v1/grids/prod/state"));
        QVERIFY(state.ok());
        QCOMPARE(state.object().value(QStringLiteral("stacks")).toArray().first().toObject().value(QStringLiteral("source")).toString(), QString::fromLatin1(kStack));
    }

    // Stack-wide actions are the core's (one decision for every service);
    // refusals come back with the status of their kind.
    void stackActionsAndRefusals() {
        client::ApiClient admin(url_, adminToken_);
        auto stop = admin.post(QStringLiteral("/v1/stacks/prod/web/stop"));
        QVERIFY2(stop.ok(), qPrintable(stop.error ? stop.error->message : QString()));
        QCOMPARE(stop.object().value(QStringLiteral("stack_id")).toString(), QStringLiteral("prod/web"));
        QVERIFY(!stop.object().contains(QStringLiteral("id")));   // no deploy started
        QCOMPARE(admin.get(QStringLiteral("/v1/services/prod/web/app")).object().value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
        QCOMPARE(admin.get(QStringLiteral("/v1/stacks/prod/web")).object().value(QStringLiteral("state")).toString(), QStringLiteral("stopped"));
        QVERIFY(admin.post(QStringLiteral("/v1/stacks/prod/web/start")).ok());
        QCOMPARE(admin.get(QStringLiteral("/v1/services/prod/web/app")).object().value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        QCOMPARE(admin.post(QStringLiteral("/v1/stacks/prod/nope/stop")).error->status, 404);
        QCOMPARE(admin.post(QStringLiteral("/v1/stacks/prod/nope/deploy")).error->status, 404);
        QCOMPARE(admin.del(QStringLiteral("/v1/stacks/prod/nope")).error->status, 404);
        QCOMPARE(admin.del(QStringLiteral("/v1/nodes/prod/nope")).error->status, 404);
        QCOMPARE(admin.del(QStringLiteral("/v1/volumes/prod/nope")).error->status, 404);
        // A grid without online nodes can be removed (the core's GridRemove).
        QVERIFY(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("short-lived")}}).ok());
        QVERIFY(admin.del(QStringLiteral("/v1/grids/short-lived")).ok());
        QCOMPARE(admin.get(QStringLiteral("/v1/grids/short-lived")).error->status, 404);
    }

    void badRequests() {
        client::ApiClient admin(url_, adminToken_);
        QCOMPARE(admin.get(QStringLiteral("/v1/nope")).error->status, 404);
        QCOMPARE(admin.get(QStringLiteral("/v1/grids/nope")).error->status, 404);
        QCOMPARE(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("Bad Name")}}).error->status, 422);
        QCOMPARE(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("x")}, {QStringLiteral("initial_size"), 9}}).error->status, 422);
        QCOMPARE(admin.del(QStringLiteral("/v1/ping")).error->status, 405);
        QCOMPARE(admin.post(QStringLiteral("/v1/services/prod/web/app/scale"), QJsonObject{{QStringLiteral("instances"), 1e12}}).error->status, 400);
        QCOMPARE(admin.post(QStringLiteral("/v1/services/prod/web/app/scale"), QJsonObject{{QStringLiteral("instances"), 1.5}}).error->status, 400);
        // A body field of the wrong type: 400 naming the field.
        const auto settings = admin.put(QStringLiteral("/v1/grids/prod"), QJsonObject{{QStringLiteral("settings"), 5}});
        QCOMPARE(settings.error->status, 400);
        QCOMPARE(settings.error->message, QStringLiteral("settings: expected an object, got a number"));
        QCOMPARE(admin.post(QStringLiteral("/v1/volumes/prod"), QJsonObject{{QStringLiteral("name"), QStringLiteral("v")}, {QStringLiteral("scope"), QStringLiteral("x")}}).error->status, 422);
    }

    void auditLogHasNoSecrets() {
        client::ApiClient admin(url_, adminToken_);
        QVERIFY(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("secretive")},
                                                                  {QStringLiteral("token"), QStringLiteral("grid-token-value-123")}}).ok());
        auto log = admin.get(QStringLiteral("/v1/audit_logs"));
        QVERIFY(log.ok());
        const QByteArray text = QJsonDocument(log.object()).toJson();
        QVERIFY(text.contains("secretive"));
        QVERIFY(!text.contains("grid-token-value-123"));
        QVERIFY(!text.contains(adminToken_.toUtf8()));
        bool sawStack = false;
        for (const auto& e : log.object().value(QStringLiteral("logs")).toArray()) {
            sawStack = sawStack || (e.toObject().value(QStringLiteral("resource_type")).toString() == QStringLiteral("Stack") &&
                                    e.toObject().value(QStringLiteral("event_name")).toString() == QStringLiteral("create"));
        }
        QVERIFY(sawStack);
        // Tokens are stored as digests: the database file never holds one.
        QFile db(dir_.filePath(QStringLiteral("master.db")));
        QVERIFY(db.open(QIODevice::ReadOnly));
        const QByteArray all = db.readAll();
        QFile wal(dir_.filePath(QStringLiteral("master.db-wal")));
        const QByteArray walBytes = wal.open(QIODevice::ReadOnly) ? wal.readAll() : QByteArray();
        QVERIFY(!all.contains(adminToken_.toUtf8()) && !walBytes.contains(adminToken_.toUtf8()));
        QVERIFY(!all.contains(userToken_.toUtf8()) && !walBytes.contains(userToken_.toUtf8()));
    }

    void tokensExpireAndCanBeRemoved() {
        client::ApiClient admin(url_, adminToken_);
        auto t = admin.post(QStringLiteral("/v1/user/access_tokens"), QJsonObject{{QStringLiteral("expires_in"), 3600}, {QStringLiteral("description"), QStringLiteral("ci")}});
        QVERIFY(t.ok());
        const QString token = t.object().value(QStringLiteral("access_token")).toString();
        client::ApiClient ci(url_, token);
        QVERIFY(ci.get(QStringLiteral("/v1/user")).ok());
        auto list = admin.get(QStringLiteral("/v1/user/access_tokens"));
        bool found = false;
        for (const auto& v : list.object().value(QStringLiteral("access_tokens")).toArray()) {
            const QJsonObject o = v.toObject();
            if (o.value(QStringLiteral("description")).toString() != QStringLiteral("ci")) continue;
            found = true;
            QCOMPARE(o.value(QStringLiteral("token_last4")).toString(), token.right(4));
            QVERIFY(o.value(QStringLiteral("expires_in")).toInt() > 3500);
            QVERIFY(!o.contains(QStringLiteral("access_token")));
            QVERIFY(admin.del(QStringLiteral("/v1/user/access_tokens/") + o.value(QStringLiteral("id")).toString()).ok());
        }
        QVERIFY(found);
        QCOMPARE(ci.get(QStringLiteral("/v1/user")).error->status, 401);
        QCOMPARE(admin.post(QStringLiteral("/v1/user/access_tokens"), QJsonObject{{QStringLiteral("expires_in"), -5}}).error->status, 422);
    }

    // Every route, as the admin, with a body of the wrong types everywhere:
    // an HTTP status and a JSON answer, never a crash (the master runs in
    // this process). Runs last: it deletes what it can.
    void zzEveryRouteSurvivesBadBodies() {
        client::ApiClient admin(url_, adminToken_);
        QVERIFY(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("junk")}}).ok());
        const QJsonObject junk{{QStringLiteral("name"), 5}, {QStringLiteral("source"), QJsonArray{1}}, {QStringLiteral("instances"), QStringLiteral("x")},
                               {QStringLiteral("labels"), 3}, {QStringLiteral("availability"), true}, {QStringLiteral("variables"), 7},
                               {QStringLiteral("settings"), QJsonArray{}}, {QStringLiteral("scope"), 1}, {QStringLiteral("driver_opts"), 2},
                               {QStringLiteral("email"), QJsonObject{}}, {QStringLiteral("role"), 9}, {QStringLiteral("expires_in"), QStringLiteral("soon")},
                               {QStringLiteral("scopes"), 4}, {QStringLiteral("code"), 1}, {QStringLiteral("default_affinity"), 6}};
        int answered = 0;
        for (const Route& r : master_->routes()) {
            QString path = concrete(r.pattern);
            path.replace(QStringLiteral("/prod"), QStringLiteral("/junk"));
            path.replace(QStringLiteral("/bob"), QStringLiteral("/nobody"));
            path.replace(QStringLiteral("access_tokens/1"), QStringLiteral("access_tokens/none"));
            const auto res = call(admin, r.method, path, junk);
            const int status = res.error ? res.error->status : 200;
            QVERIFY2(status >= 200 && status < 600, qPrintable(methodName(r.method) + QLatin1Char(' ') + path));
            ++answered;
        }
        QCOMPARE(answered, static_cast<int>(master_->routes().size()));
        QVERIFY(admin.get(QStringLiteral("/v1/ping")).ok());
    }
};

QTEST_GUILESS_MAIN(TestMasterApi)
#include "tst_master_api.moc"
