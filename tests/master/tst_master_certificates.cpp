// Certificates and external registry credentials in the grid vault: the
// store (sealed records, listing without the key, the bundle, Docker's
// X-Registry-Auth, rotation and the canary over every kind, a store from
// before certificates) and the routes through a real master in this
// process (import, replace, show, remove; add, list, remove; 503 without a
// key, 403 for a stranger, audit without bodies, a bad-input table). No
// private key or password anywhere on disk, in an answer or in the log.
#include <QDirIterator>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include "master/api_server.h"
#include "tests/master/api_client.h"
#include "master/vault_store.h"
#include "tests/vault/test_certs.h"
#include "vault/crypto.h"

using namespace kontena;
using namespace kontena::master;
using namespace Qt::StringLiterals;
using kontena::testing::makeCert;
using kontena::testing::TestCert;

namespace {

const QByteArray kPassword = "hunter2-Wombat-Narwhal-4417";   // distinctive: grepped for on disk and in the log

QByteArray gLog;
QtMessageHandler gPrevious = nullptr;
void capture(QtMsgType type, const QMessageLogContext& ctx, const QString& msg) {
    gLog += msg.toUtf8() + '\n';
    if (gPrevious) gPrevious(type, ctx, msg);
}

std::unique_ptr<vault::Keyring> keyring(const std::string& text) {
    auto k = vault::Keyring::parse(text);
    return k ? std::make_unique<vault::Keyring>(std::move(k).value()) : nullptr;
}

// A line of a PEM key's base64 body: what must never be found.
QByteArray keyLine(const std::string& pem) { return QByteArray::fromStdString(pem).split('\n').value(1); }

Instant now() { return Instant(QDateTime::currentMSecsSinceEpoch()); }

vault::Certificate imported(const TestCert& t) {
    auto c = vault::importCertificate({t.certificate, t.privateKey, {}}, now());
    if (!c) qFatal("import: %s", c.error().message.c_str());
    return std::move(c).value();
}

// Every file under `dir` that contains one of `needles`.
QStringList filesContaining(const QString& dir, const QList<QByteArray>& needles) {
    QStringList out;
    for (QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly)) continue;
        const QByteArray bytes = f.readAll();
        for (const QByteArray& n : needles) {
            if (bytes.contains(n)) out.append(f.fileName());
        }
    }
    return out;
}

}  // namespace

class TestMasterCertificates : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<Master> master_;
    QString url_, admin_, bob_;
    ApiClient api_;
    std::string key1_ = vault::Keyring::generateLine(1), key2_ = vault::Keyring::generateLine(2);
    TestCert web_ = makeCert("www.example.com", {"www.example.com", "example.com"});
    TestCert webRenewed_ = makeCert("www.example.com", {"www.example.com", "example.com", "shop.example.com"});
    TestCert other_ = makeCert("other.example.com");
    TestCert expired_ = makeCert("old.example.com", {}, -3 * 24 * 3600, -24 * 3600);

    Answer send(const QByteArray& method, const QString& path, const QString& token, const QByteArray& body = {}) {
        return api_.send(method, path, token, body);
    }
    Answer send(const QByteArray& method, const QString& path, const QString& token, const QJsonObject& body) {
        return api_.send(method, path, token, body);
    }
    bool start(std::unique_ptr<vault::Keyring> keys, QString* error) {
        master_.reset();
        master_ = std::make_unique<Master>();
        master_->setVaultKeys(std::move(keys));
        QString code;
        if (!master_->open(dir_.filePath(u"data"_s), u"admin-code"_s, &code, error)) return false;
        api_.url = url_ = u"http://127.0.0.1:%1"_s.arg(master_->listen(QHostAddress::LocalHost, 0));
        return true;
    }
    QString login(const QString& code) {
        return send("POST", u"/v1/auth"_s, QString(), QJsonObject{{u"code"_s, code}}).body.value(u"access_token"_s).toString();
    }
    static QJsonObject importBody(const TestCert& t) {
        return QJsonObject{{u"certificate"_s, QString::fromStdString(t.certificate)}, {u"private_key"_s, QString::fromStdString(t.privateKey)}};
    }
    static QJsonObject registryBody() {
        return QJsonObject{{u"url"_s, u"https://registry.example.com:5000"_s}, {u"username"_s, u"bob"_s},
                           {u"password"_s, QString::fromLatin1(kPassword)}, {u"email"_s, u"bob@example.com"_s}};
    }

private slots:
    void initTestCase() {
        gPrevious = qInstallMessageHandler(capture);
        QVERIFY(dir_.isValid());
    }

    // The store alone: sealed records, listing without the key, lookups for the rest of the master.
    void store() {
        QTemporaryDir dir;
        Store store;
        QString error;
        QVERIFY2(store.open(dir.path(), &error), qPrintable(error));
        VaultStore vault(store);
        QVERIFY2(vault.open(keyring(key1_), {u"prod"_s}, &error), qPrintable(error));
        const vault::Certificate web = imported(web_);
        QCOMPARE(vault.putCertificate(u"prod"_s, web, 1000), VaultStore::Write::Created);
        QCOMPARE(vault.putCertificate(u"prod"_s, imported(webRenewed_), 2000), VaultStore::Write::Updated);
        const auto info = vault.findCertificate(u"prod"_s, u"www.example.com"_s);
        QVERIFY(info);
        QCOMPARE(info->altNames, (QStringList{u"example.com"_s, u"shop.example.com"_s}));
        QCOMPARE(info->createdAt, 1000);
        QCOMPARE(info->updatedAt, 2000);
        QCOMPARE(info->origin, u"import"_s);
        const auto bundle = vault.certificateBundle(u"prod"_s, u"www.example.com"_s);
        QVERIFY(bundle && *bundle);
        QVERIFY(bundle->value().startsWith(QByteArray::fromStdString(webRenewed_.certificate)));
        QVERIFY(bundle->value().endsWith("-----END PRIVATE KEY-----\n"));
        QVERIFY(!vault.certificateBundle(u"prod"_s, u"none"_s));
        QVERIFY(!vault.certificateBundle(u"staging"_s, u"www.example.com"_s));

        const vault::RegistryCredentials creds{"https://registry.example.com:5000", "bob", kPassword.toStdString(), ""};
        QCOMPARE(vault.addRegistry(u"prod"_s, u"registry.example.com:5000"_s, creds, 1000), VaultStore::Write::Created);
        QCOMPARE(vault.addRegistry(u"prod"_s, u"registry.example.com:5000"_s, creds, 1000), VaultStore::Write::Exists);
        const auto auth = vault.registryAuth(u"prod"_s, u"registry.example.com:5000"_s);
        QVERIFY(auth && *auth);
        QVERIFY(!auth->value().contains('+') && !auth->value().contains('/'));   // base64url
        const QJsonObject header = QJsonDocument::fromJson(QByteArray::fromBase64(auth->value(), QByteArray::Base64UrlEncoding)).object();
        QCOMPARE(header, (QJsonObject{{u"username"_s, u"bob"_s}, {u"password"_s, QString::fromLatin1(kPassword)},
                                      {u"serveraddress"_s, u"https://registry.example.com:5000"_s}}));
        QVERIFY(!vault.registryAuth(u"prod"_s, u"docker.io"_s));
        QCOMPARE(vault.registries(u"prod"_s).first().username, u"bob"_s);

        // Nothing of the key or the password in the file; the kinds are bound: a record moved to another kind does not open.
        QVERIFY(filesContaining(dir.path(), {keyLine(webRenewed_.privateKey), kPassword, kPassword.toBase64()}).isEmpty());
        QSqlQuery q(store.database());
        QVERIFY(q.exec(u"UPDATE vault SET sealed = (SELECT sealed FROM vault WHERE kind = 'certificate') WHERE kind = 'registry'"_s));
        const auto moved = vault.registryAuth(u"prod"_s, u"registry.example.com:5000"_s);
        QVERIFY(moved && !*moved);
        QVERIFY(vault.removeRegistry(u"prod"_s, u"registry.example.com:5000"_s));
        QVERIFY(vault.removeCertificate(u"prod"_s, u"www.example.com"_s));
        QVERIFY(!vault.removeCertificate(u"prod"_s, u"www.example.com"_s));
        QVERIFY(vault.certificates(u"prod"_s).isEmpty());
    }

    // A vault table from before certificates (no meta column) is extended in place; its secrets stay readable.
    void storeFromBeforeCertificates() {
        QTemporaryDir dir;
        QString error;
        {
            Store store;
            QVERIFY(store.open(dir.path(), &error));
            QSqlQuery q(store.database());
            QVERIFY(q.exec(u"CREATE TABLE vault (grid TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, sealed TEXT NOT NULL, "
                           "created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (grid, kind, name))"_s));
            auto keys = keyring(key1_);
            const vault::Cipher cipher(*keys);
            q.prepare(u"INSERT INTO vault VALUES ('prod', ?, ?, ?, 1, 1)"_s);
            for (const auto& [kind, name, sealed] : {std::tuple{u"canary"_s, u"canary"_s, cipher.sealCanary("prod")},
                                                     std::tuple{u"secret"_s, u"A"_s, cipher.seal({"prod", vault::RecordKind::Secret, "A"}, "a")}}) {
                q.addBindValue(kind);
                q.addBindValue(name);
                q.addBindValue(QString::fromStdString(sealed));
                QVERIFY(q.exec());
            }
        }
        Store store;
        QVERIFY(store.open(dir.path(), &error));
        VaultStore vault(store);
        QVERIFY2(vault.open(keyring(key1_), {u"prod"_s}, &error), qPrintable(error));
        QCOMPARE(vault.read(u"prod"_s, u"A"_s)->value(), QByteArray("a"));
        QCOMPARE(vault.putCertificate(u"prod"_s, imported(web_), 5), VaultStore::Write::Created);
        QCOMPARE(vault.certificates(u"prod"_s).size(), 1);
    }

    void routes() {
        QString error;
        QVERIFY2(start(keyring(key1_), &error), qPrintable(error));
        admin_ = login(u"admin-code"_s);
        QCOMPARE(send("POST", u"/v1/grids"_s, admin_, QJsonObject{{u"name"_s, u"prod"_s}}).status, 201);
        const Answer invite = send("POST", u"/v1/users"_s, admin_, QJsonObject{{u"email"_s, u"bob"_s}});
        bob_ = login(invite.body.value(u"invite_code"_s).toString());

        Answer a = send("POST", u"/v1/grids/prod/certificates"_s, admin_, importBody(web_));
        QCOMPARE(a.status, 201);
        QCOMPARE(a.body.value(u"id"_s).toString(), u"prod/www.example.com"_s);
        QCOMPARE(a.body.value(u"alt_names"_s).toArray(), QJsonArray{u"example.com"_s});
        QVERIFY(a.body.value(u"valid_until"_s).toString().endsWith(u'Z'));
        QVERIFY(!a.body.contains(u"private_key"_s) && !a.body.contains(u"certificate"_s));
        a = send("POST", u"/v1/grids/prod/certificates"_s, admin_, importBody(webRenewed_));   // a new one replaces it
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(u"alt_names"_s).toArray().size(), 2);
        QJsonObject chained = importBody(other_);
        chained.insert(u"chain"_s, QJsonArray{QString::fromStdString(web_.certificate)});
        QCOMPARE(send("POST", u"/v1/grids/prod/certificates"_s, admin_, chained).status, 201);

        a = send("GET", u"/v1/grids/prod/certificates"_s, admin_);
        QCOMPARE(a.status, 200);
        const QJsonArray list = a.body.value(u"certificates"_s).toArray();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.first().toObject().value(u"subject"_s).toString(), u"other.example.com"_s);
        a = send("GET", u"/v1/certificates/prod/other.example.com"_s, admin_);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(u"certificate"_s).toString(), QString::fromStdString(other_.certificate));
        QCOMPARE(a.body.value(u"chain"_s).toString(), QString::fromStdString(web_.certificate));
        QVERIFY(!a.body.contains(u"private_key"_s));

        // A stranger to the grid: 403 on every route; a member may use them.
        QCOMPARE(send("GET", u"/v1/grids/prod/certificates"_s, bob_).status, 403);
        QCOMPARE(send("GET", u"/v1/certificates/prod/other.example.com"_s, bob_).status, 403);
        QCOMPARE(send("POST", u"/v1/grids/prod/external_registries"_s, bob_, registryBody()).status, 403);
        QCOMPARE(send("POST", u"/v1/grids/prod/users"_s, admin_, QJsonObject{{u"email"_s, u"bob"_s}}).status, 201);
        QCOMPARE(send("GET", u"/v1/certificates/prod/other.example.com"_s, bob_).status, 200);

        a = send("POST", u"/v1/grids/prod/external_registries"_s, bob_, registryBody());
        QCOMPARE(a.status, 201);
        QCOMPARE(a.body.value(u"name"_s).toString(), u"registry.example.com:5000"_s);
        QVERIFY(!a.body.contains(u"password"_s));
        QCOMPARE(send("POST", u"/v1/grids/prod/external_registries"_s, admin_, registryBody()).status, 409);
        a = send("GET", u"/v1/grids/prod/external_registries"_s, admin_);
        QCOMPARE(a.body.value(u"external_registries"_s).toArray().first().toObject().value(u"username"_s).toString(), u"bob"_s);

        QCOMPARE(send("DELETE", u"/v1/certificates/prod/other.example.com"_s, bob_).status, 200);
        QCOMPARE(send("DELETE", u"/v1/certificates/prod/other.example.com"_s, bob_).status, 404);
        QCOMPARE(send("POST", u"/v1/grids/prod/external_registries"_s, admin_,
                      QJsonObject{{u"url"_s, u"http://127.0.0.1:5000"_s}, {u"username"_s, u"u"_s}, {u"password"_s, u"p"_s}}).status, 201);
        QCOMPARE(send("DELETE", u"/v1/external_registries/prod/127.0.0.1:5000"_s, admin_).status, 200);
        QCOMPARE(send("DELETE", u"/v1/external_registries/prod/127.0.0.1:5000"_s, admin_).status, 404);

        // Audited, never with a body.
        QStringList events;
        for (const auto& e : send("GET", u"/v1/grids/prod/audit_log"_s, admin_).body.value(u"logs"_s).toArray()) {
            const QJsonObject o = e.toObject();
            const QString type = o.value(u"resource_type"_s).toString();
            if (type != u"Certificate"_s && type != u"Registry"_s) continue;
            events.append(type + u' ' + o.value(u"event_name"_s).toString());
            QVERIFY(!o.contains(u"request_body"_s));
        }
        QCOMPARE(events, (QStringList{u"Certificate create"_s, u"Certificate create"_s, u"Certificate create"_s, u"Registry create"_s,
                                      u"Certificate delete"_s, u"Registry create"_s, u"Registry delete"_s}));
    }

    // No key or password in any answer, file or log line.
    void nothingLeaks() {
        const QList<QByteArray> needles{keyLine(web_.privateKey), keyLine(webRenewed_.privateKey), keyLine(other_.privateKey), kPassword,
                                        kPassword.toBase64()};
        for (const char* path : {"/v1/grids/prod/certificates", "/v1/certificates/prod/www.example.com", "/v1/grids/prod/external_registries",
                                 "/v1/grids/prod/audit_log", "/v1/audit_logs", "/v1/grids/prod/event_logs", "/v1/grids/prod/state"}) {
            const Answer a = send("GET", QString::fromLatin1(path), admin_);
            QCOMPARE(a.status, 200);
            for (const QByteArray& n : needles) QVERIFY2(!QJsonDocument(a.body).toJson().contains(n), path);
        }
        QVERIFY(QFile::exists(dir_.filePath(u"data/master.db"_s)));
        const QStringList found = filesContaining(dir_.path(), needles);
        QVERIFY2(found.isEmpty(), qPrintable(found.join(u", "_s)));
        QVERIFY(gLog.contains("/v1/grids/prod/certificates"));   // the log is captured...
        for (const QByteArray& n : needles) QVERIFY(!gLog.contains(n));   // ... and holds none
    }

    void badInput() {
        const QString big(70 * 1024, u'x');
        struct Case {
            QByteArray method;
            QString path;
            QJsonValue body;
            int status;
            QString message;   // the start of the error
        };
        const QString certs = u"/v1/grids/prod/certificates"_s, registries = u"/v1/grids/prod/external_registries"_s;
        const QString cert = QString::fromStdString(web_.certificate), key = QString::fromStdString(web_.privateKey);
        auto with = [](QJsonObject o, const QString& k, const QJsonValue& v) {
            o.insert(k, v);
            return o;
        };
        const QJsonObject good = importBody(web_), reg = registryBody();
        const QList<Case> cases{
            {"POST", certs, QJsonObject{}, 422, u"certificate: is not a PEM certificate"_s},
            {"POST", certs, with(good, u"certificate"_s, 5), 400, u"certificate: expected a string, got a number"_s},
            {"POST", certs, with(good, u"private_key"_s, QJsonArray{}), 400, u"private_key: expected a string, got an array"_s},
            {"POST", certs, with(good, u"chain"_s, u"pem"_s), 400, u"chain: expected an array, got a string"_s},
            {"POST", certs, with(good, u"chain"_s, QJsonArray{u"junk"_s}), 422, u"chain[0]: is not PEM certificates"_s},
            {"POST", certs, with(good, u"certificate"_s, u"garbage"_s), 422, u"certificate: is not a PEM certificate"_s},
            {"POST", certs, with(good, u"certificate"_s, big), 422, u"certificate: must be at most 65536 bytes"_s},
            {"POST", certs, with(good, u"private_key"_s, QJsonValue()), 400, u"private_key: expected a string, got null"_s},
            {"POST", certs, QJsonObject{{u"certificate"_s, cert}}, 422, u"private_key: is missing"_s},
            {"POST", certs, with(good, u"private_key"_s, QString::fromStdString(other_.privateKey)), 422, u"private_key: does not belong to the certificate"_s},
            {"POST", certs, importBody(expired_), 422, u"certificate: expired at "_s},
            {"POST", certs, with(good, u"private_key"_s, cert), 422, u"private_key: is not an unencrypted PEM private key"_s},
            {"POST", u"/v1/grids/nope/certificates"_s, good, 404, u"Grid nope not found"_s},
            {"GET", u"/v1/certificates/prod/none.example.com"_s, {}, 404, u"Certificate none.example.com not found"_s},
            {"PUT", u"/v1/certificates/prod/www.example.com"_s, good, 405, u"Method not allowed"_s},
            {"POST", registries, QJsonObject{}, 422, u"url: must start with https:// or http://"_s},
            {"POST", registries, with(reg, u"url"_s, u"registry.example.com"_s), 422, u"url: must start with https:// or http://"_s},
            {"POST", registries, with(reg, u"url"_s, u"https://u:p@r.example.com"_s), 422, u"url: must not carry user information"_s},
            {"POST", registries, with(reg, u"username"_s, u""_s), 422, u"username: must be 1-255 bytes"_s},
            {"POST", registries, with(reg, u"password"_s, 7), 400, u"password: expected a string, got a number"_s},
            {"POST", registries, with(reg, u"password"_s, u""_s), 422, u"password: must be 1-4096 bytes"_s},
            {"POST", registries, with(reg, u"email"_s, u"bob"_s), 422, u"email: must be an address with an @"_s},
            {"DELETE", u"/v1/external_registries/prod/none"_s, {}, 404, u"External registry none not found"_s},
        };
        for (const Case& c : cases) {
            const QByteArray body = c.body.isObject() ? QJsonDocument(c.body.toObject()).toJson(QJsonDocument::Compact) : QByteArray();
            const Answer a = send(c.method, c.path, admin_, body);
            const QString what = QString::fromLatin1(c.method) + u' ' + c.path + u" -> %1 %2"_s.arg(a.status).arg(a.error());
            QVERIFY2(a.status == c.status && a.error().startsWith(c.message), qPrintable(what));
            QVERIFY2(!a.error().contains(key.split(u'\n').value(1)) && !a.error().contains(QString::fromLatin1(kPassword)), qPrintable(what));
        }
        QCOMPARE(send("GET", certs, admin_).body.value(u"certificates"_s).toArray().size(), 1);   // untouched
    }

    // Rotation re-seals every kind; the bundle and the registry auth still open with the new key alone.
    void rotation() {
        QString error;
        gLog.clear();
        QVERIFY2(start(keyring(key1_ + "\n" + key2_ + "\n"), &error), qPrintable(error));
        QVERIFY2(gLog.contains("re-sealed 3 of 3 records with key version 2"), gLog.constData());   // canary, certificate, registry
        QVERIFY2(start(keyring(key2_), &error), qPrintable(error));
        QCOMPARE(send("GET", u"/v1/certificates/prod/www.example.com"_s, admin_).status, 200);
        QVERIFY(!start(keyring(key1_), &error));
        QVERIFY2(error.contains(u"wrong key?"_s), qPrintable(error));
    }

    // Without a key every certificate and registry route answers 503.
    void noKeyAnswers503() {
        QString error;
        QVERIFY2(start(nullptr, &error), qPrintable(error));
        int routes = 0;
        for (const Route& r : master_->routes()) {
            if (!r.pattern.contains(u"certificates"_s) && !r.pattern.contains(u"registries"_s)) continue;
            QString path = r.pattern;
            path.replace(u":grid"_s, u"prod"_s).replace(u":subject"_s, u"www.example.com"_s).replace(u":name"_s, u"x"_s);
            const Answer a = send(methodText(r.method).toLatin1(), path, admin_, importBody(web_));
            QCOMPARE(a.status, 503);
            QCOMPARE(a.error(), u"Vault not configured"_s);
            ++routes;
        }
        QCOMPARE(routes, 7);
    }

    void cleanupTestCase() {
        master_.reset();
        qInstallMessageHandler(gPrevious);
    }
};

QTEST_GUILESS_MAIN(TestMasterCertificates)
#include "tst_master_certificates.moc"
