// The vault's secrets through a real master in this process: the routes
// (write, list, read, update, upsert, delete), who may read a value, 503
// without a key, no value anywhere on disk or in the log, restarts with the
// same key, a wrong key and a rotated key, and bad input.
#include <QDirIterator>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include "master/api_server.h"
#include "tests/master/api_client.h"
#include "vault/crypto.h"

using namespace kontena;
using namespace kontena::master;

namespace {

const QByteArray kValue = "s3cr3t-Zebra-Quokka-7781";   // distinctive: grepped for on disk and in the log

QByteArray gLog;   // every message of the process (the master's log output)
QtMessageHandler gPrevious = nullptr;
void capture(QtMsgType type, const QMessageLogContext& ctx, const QString& msg) {
    gLog += msg.toUtf8() + '\n';
    if (gPrevious) gPrevious(type, ctx, msg);
}

std::unique_ptr<vault::Keyring> keyring(const std::string& text) {
    auto k = vault::Keyring::parse(text);
    return k ? std::make_unique<vault::Keyring>(std::move(k).value()) : nullptr;
}

}  // namespace

class TestMasterVault : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<Master> master_;
    QString url_, admin_, bob_;
    ApiClient api_;
    std::string key1_ = vault::Keyring::generateLine(1), key2_ = vault::Keyring::generateLine(2);

    Answer send(const QByteArray& method, const QString& path, const QString& token, const QByteArray& body = {}) {
        return api_.send(method, path, token, body);
    }
    Answer send(const QByteArray& method, const QString& path, const QString& token, const QJsonObject& body) {
        return api_.send(method, path, token, body);
    }

    // A master on `dir` with `keys` (may be null); false with `error` when it refuses to open.
    bool start(const QString& dir, std::unique_ptr<vault::Keyring> keys, QString* error) {
        master_.reset();
        master_ = std::make_unique<Master>();
        master_->setVaultKeys(std::move(keys));
        QString code;
        if (!master_->open(dir, QStringLiteral("admin-code"), &code, error)) return false;
        api_.url = url_ = QStringLiteral("http://127.0.0.1:%1").arg(master_->listen(QHostAddress::LocalHost, 0));
        return true;
    }
    QString login(const QString& code) {
        return send("POST", QStringLiteral("/v1/auth"), QString(), QJsonObject{{QStringLiteral("code"), code}}).body.value(QStringLiteral("access_token")).toString();
    }
    QString value(const QString& name) {
        return send("GET", QStringLiteral("/v1/secrets/prod/") + name, admin_).body.value(QStringLiteral("value")).toString();
    }
    // The stored texts by "kind/name".
    QMap<QString, QString> sealedTexts() {
        QMap<QString, QString> out;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
            db.setDatabaseName(dir_.filePath(QStringLiteral("data/master.db")));
            if (db.open()) {
                QSqlQuery q(QStringLiteral("SELECT kind, name, sealed FROM vault WHERE grid = 'prod'"), db);
                while (q.next()) out.insert(q.value(0).toString() + QLatin1Char('/') + q.value(1).toString(), q.value(2).toString());
            }
        }
        QSqlDatabase::removeDatabase(QStringLiteral("peek"));
        return out;
    }

private slots:
    void initTestCase() {
        gPrevious = qInstallMessageHandler(capture);
        QLoggingCategory::setFilterRules(QStringLiteral("kontena.*.debug=true"));
        QVERIFY(dir_.isValid());
        QString error;
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), keyring(key1_), &error), qPrintable(error));
        admin_ = login(QStringLiteral("admin-code"));
        QVERIFY(!admin_.isEmpty());
        QCOMPARE(send("POST", QStringLiteral("/v1/grids"), admin_, QJsonObject{{QStringLiteral("name"), QStringLiteral("prod")}}).status, 201);
        const Answer invite = send("POST", QStringLiteral("/v1/users"), admin_, QJsonObject{{QStringLiteral("email"), QStringLiteral("bob")}});
        bob_ = login(invite.body.value(QStringLiteral("invite_code")).toString());
        QVERIFY(!bob_.isEmpty());
        QCOMPARE(send("POST", QStringLiteral("/v1/grids/prod/users"), admin_, QJsonObject{{QStringLiteral("email"), QStringLiteral("bob")}}).status, 201);
    }

    void roundTrip() {
        const QJsonObject create{{QStringLiteral("name"), QStringLiteral("DB_PASSWORD")}, {QStringLiteral("value"), QString::fromLatin1(kValue)}};
        Answer a = send("POST", QStringLiteral("/v1/grids/prod/secrets"), admin_, create);
        QCOMPARE(a.status, 201);
        QCOMPARE(a.body.value(QStringLiteral("id")).toString(), QStringLiteral("prod/DB_PASSWORD"));
        QVERIFY(!a.body.contains(QStringLiteral("value")));
        QCOMPARE(send("POST", QStringLiteral("/v1/grids/prod/secrets"), admin_, create).status, 409);

        a = send("GET", QStringLiteral("/v1/grids/prod/secrets"), bob_);   // a member lists names
        QCOMPARE(a.status, 200);
        const QJsonArray list = a.body.value(QStringLiteral("secrets")).toArray();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("DB_PASSWORD"));
        QVERIFY(!list.first().toObject().contains(QStringLiteral("value")));
        QVERIFY(!list.first().toObject().value(QStringLiteral("created_at")).toString().isEmpty());

        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), QString::fromLatin1(kValue));
        a = send("GET", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), bob_);   // ... but reads no value
        QCOMPARE(a.status, 403);
        QVERIFY(!a.body.contains(QStringLiteral("value")));
        QCOMPARE(send("POST", QStringLiteral("/v1/users/bob/roles"), admin_, QJsonObject{{QStringLiteral("role"), QStringLiteral("grid_admin")}}).status, 200);
        QCOMPARE(send("GET", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), bob_).body.value(QStringLiteral("value")).toString(), QString::fromLatin1(kValue));
        QCOMPARE(send("DELETE", QStringLiteral("/v1/users/bob/roles/grid_admin"), admin_).status, 200);
        QCOMPARE(send("GET", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), bob_).status, 403);

        // An identical value changes nothing; a new one (a member may write) does.
        const QString updatedBefore = send("GET", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), admin_).body.value(QStringLiteral("updated_at")).toString();
        QTest::qWait(5);
        a = send("PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), bob_, QJsonObject{{QStringLiteral("value"), QString::fromLatin1(kValue)}});
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(QStringLiteral("updated_at")).toString(), updatedBefore);
        const QString other = QString::fromLatin1(kValue) + QStringLiteral("-v2");
        a = send("PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), bob_, QJsonObject{{QStringLiteral("value"), other}});
        QCOMPARE(a.status, 200);
        QVERIFY(a.body.value(QStringLiteral("updated_at")).toString() != updatedBefore);
        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), other);
        QVERIFY(send("PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), admin_, QJsonObject{{QStringLiteral("value"), QString::fromLatin1(kValue)}}).status == 200);

        // Missing: 404 unless upsert.
        QCOMPARE(send("PUT", QStringLiteral("/v1/secrets/prod/API_KEY"), admin_, QJsonObject{{QStringLiteral("value"), QStringLiteral("k")}}).status, 404);
        QCOMPARE(send("PUT", QStringLiteral("/v1/secrets/prod/API_KEY"), admin_, QJsonObject{{QStringLiteral("value"), QStringLiteral("k")}, {QStringLiteral("upsert"), true}}).status, 201);
        QCOMPARE(value(QStringLiteral("API_KEY")), QStringLiteral("k"));
        QCOMPARE(send("DELETE", QStringLiteral("/v1/secrets/prod/API_KEY"), bob_).status, 200);
        QCOMPARE(send("GET", QStringLiteral("/v1/secrets/prod/API_KEY"), admin_).status, 404);
        QCOMPARE(send("DELETE", QStringLiteral("/v1/secrets/prod/API_KEY"), admin_).status, 404);

        // Audited: create, show, update, delete; never a body or a value.
        a = send("GET", QStringLiteral("/v1/grids/prod/audit_log"), admin_);
        QStringList events;
        for (const auto& e : a.body.value(QStringLiteral("logs")).toArray()) {
            const QJsonObject o = e.toObject();
            if (o.value(QStringLiteral("resource_type")).toString() != QStringLiteral("GridSecret")) continue;
            events.append(o.value(QStringLiteral("event_name")).toString());
            QVERIFY(!o.contains(QStringLiteral("request_body")));
        }
        QVERIFY2(events.contains(QStringLiteral("show")) && events.contains(QStringLiteral("create")) && events.contains(QStringLiteral("update")) &&
                     events.contains(QStringLiteral("delete")), qPrintable(events.join(u',')));
    }

    // The value is nowhere but in the answer to GET /v1/secrets/...
    void valueNeverLeaks() {
        for (const char* path : {"/v1/grids/prod", "/v1/grids/prod/state", "/v1/grids/prod/secrets", "/v1/grids/prod/audit_log", "/v1/audit_logs",
                                 "/v1/grids/prod/event_logs"}) {
            const Answer a = send("GET", QString::fromLatin1(path), admin_);
            QCOMPARE(a.status, 200);
            QVERIFY2(!QJsonDocument(a.body).toJson().contains(kValue), path);
        }
        int files = 0;
        for (QDirIterator it(dir_.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            QVERIFY2(!bytes.contains(kValue) && !bytes.contains(kValue.toBase64()), qPrintable(f.fileName()));
            ++files;
        }
        QVERIFY(files >= 2);   // master.db and its WAL at least
        QVERIFY(QFile::exists(dir_.filePath(QStringLiteral("data/master.db-wal"))));
        QVERIFY(gLog.contains("/v1/secrets/prod/DB_PASSWORD"));   // the log is captured...
        QVERIFY(!gLog.contains(kValue));                         // ... and has no value
        for (const QString& s : sealedTexts()) QVERIFY2(s.startsWith(QStringLiteral("kv1.1.")), qPrintable(s));
    }

    void badInput() {
        const QString big(70 * 1024, QLatin1Char('x'));
        struct Case {
            QByteArray method;
            QString path;
            QByteArray body;
            int status;
            QString message;   // part of the error
        };
        auto json = [](const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); };
        const QString secrets = QStringLiteral("/v1/grids/prod/secrets");
        const QList<Case> cases{
            {"POST", secrets, json({{QStringLiteral("value"), QStringLiteral("v")}}), 422, QStringLiteral("name must be")},
            {"POST", secrets, json({{QStringLiteral("name"), QStringLiteral("A")}}), 422, QStringLiteral("value must be a string")},
            {"POST", secrets, json({{QStringLiteral("name"), 5}, {QStringLiteral("value"), QStringLiteral("v")}}), 400, QStringLiteral("name: expected a string, got a number")},
            {"POST", secrets, json({{QStringLiteral("name"), QStringLiteral("A")}, {QStringLiteral("value"), 5}}), 400, QStringLiteral("value: expected a string, got a number")},
            {"POST", secrets, json({{QStringLiteral("name"), QStringLiteral("A")}, {QStringLiteral("value"), QJsonArray{1}}}), 400, QStringLiteral("value")},
            {"POST", secrets, json({{QStringLiteral("name"), QStringLiteral("-A")}, {QStringLiteral("value"), QStringLiteral("v")}}), 422, QStringLiteral("not starting with a dash")},
            {"POST", secrets, json({{QStringLiteral("name"), QStringLiteral("a b")}, {QStringLiteral("value"), QStringLiteral("v")}}), 422, QStringLiteral("name must be")},
            {"POST", secrets, json({{QStringLiteral("name"), QString(256, QLatin1Char('a'))}, {QStringLiteral("value"), QStringLiteral("v")}}), 422, QStringLiteral("1-255")},
            {"POST", secrets, json({{QStringLiteral("name"), QStringLiteral("BIG")}, {QStringLiteral("value"), big}}), 422, QStringLiteral("at most 65536 bytes")},
            {"POST", secrets, "[1,2]", 400, QStringLiteral("not a JSON object")},
            {"POST", secrets, "{\"name\": ", 400, QStringLiteral("not a JSON object")},
            {"POST", QStringLiteral("/v1/grids/nope/secrets"), json({{QStringLiteral("name"), QStringLiteral("A")}, {QStringLiteral("value"), QStringLiteral("v")}}), 404, QStringLiteral("Grid nope not found")},
            {"GET", QStringLiteral("/v1/secrets/nope/A"), {}, 404, QStringLiteral("Grid nope not found")},
            {"GET", QStringLiteral("/v1/secrets/prod/NOPE"), {}, 404, QStringLiteral("Secret NOPE not found")},
            {"PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), json({}), 422, QStringLiteral("value must be a string")},
            {"PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), json({{QStringLiteral("value"), QStringLiteral("v")}, {QStringLiteral("upsert"), QStringLiteral("yes")}}), 400, QStringLiteral("upsert: expected a boolean, got a string")},
            {"PUT", QStringLiteral("/v1/secrets/prod/-bad"), json({{QStringLiteral("value"), QStringLiteral("v")}, {QStringLiteral("upsert"), true}}), 422, QStringLiteral("name must be")},
            {"PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), json({{QStringLiteral("value"), big}}), 422, QStringLiteral("at most")},
            {"DELETE", QStringLiteral("/v1/secrets/prod/NOPE"), {}, 404, QStringLiteral("Secret NOPE not found")},
            {"PATCH", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), {}, 405, QStringLiteral("Method not allowed")},
        };
        for (const Case& c : cases) {
            const Answer a = send(c.method, c.path, admin_, c.body);
            const QString what = QString::fromLatin1(c.method) + QLatin1Char(' ') + c.path + QStringLiteral(" -> %1 %2").arg(a.status).arg(a.error());
            QVERIFY2(a.status == c.status && a.error().contains(c.message), qPrintable(what));
        }
        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), QString::fromLatin1(kValue));   // untouched
        QCOMPARE(send("GET", QStringLiteral("/v1/grids/prod/secrets"), admin_).body.value(QStringLiteral("secrets")).toArray().size(), 1);
    }

    // Reference §6.4 and §10.1: a stack naming a secret that does not exist
    // is refused (422, naming secret and service) and nothing is applied; a
    // changed value updates every service using it, an identical one nothing.
    void servicesUseSecretsThatExist() {
        const auto stackFile = [](const char* secret) {
            return QStringLiteral("stack: test/app\nversion: 1.0.0\nservices:\n  web:\n    image: busybox\n    secrets:\n"
                                  "      - secret: %1\n        name: PASSWORD\n        type: env\n  other:\n    image: busybox\n")
                .arg(QLatin1String(secret));
        };
        const auto install = [&](const char* secret) {
            return send("POST", QStringLiteral("/v1/grids/prod/stacks"), admin_,
                        QJsonObject{{QStringLiteral("name"), QStringLiteral("app")}, {QStringLiteral("source"), stackFile(secret)},
                                    {QStringLiteral("deploy"), false}});
        };
        Answer a = install("NO_SUCH_SECRET");
        QCOMPARE(a.status, 422);
        QVERIFY2(a.error().contains(QStringLiteral("Secret NO_SUCH_SECRET does not exist")) && a.error().contains(QStringLiteral("app/web")),
                 qPrintable(a.error()));
        QCOMPARE(send("GET", QStringLiteral("/v1/stacks/prod/app"), admin_).status, 404);   // nothing applied

        QCOMPARE(install("DB_PASSWORD").status, 201);
        const auto revision = [&](const char* service) {
            return send("GET", QStringLiteral("/v1/services/prod/app/") + QLatin1String(service), admin_).body.value(QStringLiteral("revision")).toInt();
        };
        const int web = revision("web"), other = revision("other");
        QVERIFY(web >= 1);
        const QJsonObject same{{QStringLiteral("value"), QString::fromLatin1(kValue)}};
        QCOMPARE(send("PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), admin_, same).status, 200);
        QCOMPARE(revision("web"), web);   // identical value: nothing changes
        const QJsonObject changed{{QStringLiteral("value"), QString(QString::fromLatin1(kValue) + QStringLiteral("-new"))}};
        QCOMPARE(send("PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), admin_, changed).status, 200);
        QCOMPARE(revision("web"), web + 1);
        QCOMPARE(revision("other"), other);
        QCOMPARE(send("PUT", QStringLiteral("/v1/secrets/prod/DB_PASSWORD"), admin_, same).status, 200);
        QCOMPARE(revision("web"), web + 2);
        QCOMPARE(send("DELETE", QStringLiteral("/v1/stacks/prod/app"), admin_).status, 200);
    }

    void restartSameKey() {
        QString error;
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), keyring(key1_), &error), qPrintable(error));
        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), QString::fromLatin1(kValue));
        // A sealed value moved to another record does not open there: 500, and the message has no value.
        QCOMPARE(send("POST", QStringLiteral("/v1/grids/prod/secrets"), admin_, QJsonObject{{QStringLiteral("name"), QStringLiteral("MOVED")}, {QStringLiteral("value"), QStringLiteral("m")}}).status, 201);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(dir_.filePath(QStringLiteral("data/master.db")));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("UPDATE vault SET sealed = (SELECT sealed FROM vault WHERE name = 'DB_PASSWORD') WHERE name = 'MOVED'")));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        const Answer a = send("GET", QStringLiteral("/v1/secrets/prod/MOVED"), admin_);
        QCOMPARE(a.status, 500);
        QVERIFY2(a.error().startsWith(QStringLiteral("Secret MOVED does not open")) && !a.error().contains(QString::fromLatin1(kValue)), qPrintable(a.error()));
        QVERIFY(!a.body.contains(QStringLiteral("value")));
    }

    // A wrong key refuses to start and names the grid; the store is untouched.
    void restartWrongKeyRefuses() {
        const auto before = sealedTexts();
        QString error;
        QVERIFY(!start(dir_.filePath(QStringLiteral("data")), keyring(vault::Keyring::generateLine(1)), &error));
        QVERIFY2(error.contains(QStringLiteral("does not open grid prod's secrets: wrong key?")), qPrintable(error));
        QVERIFY(!error.contains(QString::fromLatin1(kValue)));
        QVERIFY(!start(dir_.filePath(QStringLiteral("data")), keyring(key2_), &error));   // a version the store never used
        QVERIFY2(error.contains(QStringLiteral("grid prod")), qPrintable(error));
        master_.reset();
        QCOMPARE(sealedTexts(), before);
    }

    // Rotation: add version 2, restart: everything re-sealed with it but the
    // damaged record MOVED, which is left as it is; then version 2 alone opens it.
    void rotation() {
        QString error;
        gLog.clear();
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), keyring(key1_ + "\n" + key2_ + "\n"), &error), qPrintable(error));
        QVERIFY2(gLog.contains("re-sealed 2 of 3 records with key version 2; 1 did not open"), gLog.constData());   // counts only
        QVERIFY(gLog.contains("record prod/MOVED does not open"));
        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), QString::fromLatin1(kValue));
        master_.reset();
        const auto texts = sealedTexts();
        QCOMPARE(texts.keys(), (QStringList{QStringLiteral("canary/canary"), QStringLiteral("secret/DB_PASSWORD"), QStringLiteral("secret/MOVED")}));
        QVERIFY(texts.value(QStringLiteral("canary/canary")).startsWith(QStringLiteral("kv1.2.")));
        QVERIFY(texts.value(QStringLiteral("secret/DB_PASSWORD")).startsWith(QStringLiteral("kv1.2.")));
        QVERIFY(texts.value(QStringLiteral("secret/MOVED")).startsWith(QStringLiteral("kv1.1.")));
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), keyring(key2_), &error), qPrintable(error));
        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), QString::fromLatin1(kValue));
        QCOMPARE(send("GET", QStringLiteral("/v1/secrets/prod/MOVED"), admin_).status, 500);
        QCOMPARE(send("DELETE", QStringLiteral("/v1/secrets/prod/MOVED"), admin_).status, 200);   // a damaged record can be removed
        QVERIFY(!start(dir_.filePath(QStringLiteral("data")), keyring(key1_), &error));   // the old key alone no longer does
        QVERIFY(!gLog.contains(kValue));
    }

    // A grid removed takes its secrets; one made again with the name starts empty.
    void gridRemovalForgetsSecrets() {
        QString error;
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), keyring(key2_), &error), qPrintable(error));
        QCOMPARE(send("POST", QStringLiteral("/v1/grids"), admin_, QJsonObject{{QStringLiteral("name"), QStringLiteral("tmp")}}).status, 201);
        QCOMPARE(send("POST", QStringLiteral("/v1/grids/tmp/secrets"), admin_, QJsonObject{{QStringLiteral("name"), QStringLiteral("X")}, {QStringLiteral("value"), QStringLiteral("y")}}).status, 201);
        QCOMPARE(send("DELETE", QStringLiteral("/v1/grids/tmp"), admin_).status, 200);
        QCOMPARE(send("POST", QStringLiteral("/v1/grids"), admin_, QJsonObject{{QStringLiteral("name"), QStringLiteral("tmp")}}).status, 201);
        QCOMPARE(send("GET", QStringLiteral("/v1/grids/tmp/secrets"), admin_).body.value(QStringLiteral("secrets")).toArray().size(), 0);
    }

    // Without a key: every vault route answers 503 (after the token and permission checks).
    void noKeyAnswers503() {
        QString error;
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), nullptr, &error), qPrintable(error));
        int routes = 0;
        for (const Route& r : master_->routes()) {
            if (!r.pattern.contains(QStringLiteral("secrets"))) continue;
            QString path = r.pattern;
            path.replace(QStringLiteral(":grid"), QStringLiteral("prod")).replace(QStringLiteral(":name"), QStringLiteral("DB_PASSWORD"));
            const Answer a = send(methodText(r.method).toLatin1(), path, admin_,
                                  QJsonObject{{QStringLiteral("name"), QStringLiteral("N")}, {QStringLiteral("value"), QStringLiteral("v")}});
            QCOMPARE(a.status, 503);
            QCOMPARE(a.error(), QStringLiteral("Vault not configured"));
            ++routes;
        }
        QCOMPARE(routes, 5);
        // Nothing was lost: the key opens it again.
        QVERIFY2(start(dir_.filePath(QStringLiteral("data")), keyring(key2_), &error), qPrintable(error));
        QCOMPARE(value(QStringLiteral("DB_PASSWORD")), QString::fromLatin1(kValue));
    }

    // The kontena-master program: --generate-vault-key, and a wrong key file refused with exit status 2.
    void binaryKeyOptions() {
        master_.reset();
        const QString bin = qEnvironmentVariable("KONTENA_MASTER_BIN");
        QVERIFY2(QFile::exists(bin), "KONTENA_MASTER_BIN");
        auto run = [&](const QStringList& args, QString* out) {
            QProcess p;
            p.start(bin, args);
            p.waitForFinished(20000);
            *out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
            return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        };
        QString out;
        QCOMPARE(run({QStringLiteral("--generate-vault-key")}, &out), 0);
        QVERIFY2(out.startsWith(QStringLiteral("1:")) && vault::Keyring::parse(out.toStdString()), qPrintable(out));
        const QString keyFile = dir_.filePath(QStringLiteral("old.key"));
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(key1_));
        f.close();
        QCOMPARE(run({QStringLiteral("--generate-vault-key"), QStringLiteral("--vault-key-file"), keyFile}, &out), 0);
        QVERIFY2(out.startsWith(QStringLiteral("2:")), qPrintable(out));
        // The store is sealed with version 2 since rotation(): version 1 alone is a wrong key.
        QCOMPARE(run({QStringLiteral("--vault-key-file"), keyFile, QStringLiteral("--data-dir"), dir_.filePath(QStringLiteral("data")),
                      QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}, &out), 2);
        QVERIFY2(out.contains(QStringLiteral("the vault key file does not open grid prod's secrets: wrong key?")), qPrintable(out));
        QVERIFY(!out.contains(QString::fromStdString(key1_).section(QLatin1Char(':'), 1)));
    }

    void cleanupTestCase() {
        master_.reset();
        qInstallMessageHandler(gPrevious);
    }
};

QTEST_GUILESS_MAIN(TestMasterVault)
#include "tst_master_vault.moc"
