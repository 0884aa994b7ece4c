// The master configuration's secret values at rest (issue 18), through the
// real kontena-master: a secret key's value (oauth2.client_secret) is
// sealed with the vault key in master.db (its raw bytes, and those of the
// WAL, never hold the plaintext), GET answers it to master_admin, a restart
// keeps it, the audit log and the master's log never show it. Without a
// vault key a secret value is refused with 503 (nothing written) and a
// sealed one is left out with a warning; a secret value an older master
// stored unsealed is sealed at start (the old bytes gone from the file);
// a rotated key re-seals with the newest version.
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

#include "api_client.h"
#include "platform_harness.h"

using namespace kontena::testing;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kSecret = "s3cr3t-at-rest-7f3a9c";
const QByteArray kLegacy = "legacy-plain-secret-51e0";

}  // namespace

class TestMasterConfigSecrets : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString key_;
    std::unique_ptr<MasterProcess> master_;
    ApiClient api_;
    QString admin_;

    QString path(const QString& name) const { return dir_.filePath(name); }
    // master.db and its WAL, as bytes on disk.
    QByteArray storeBytes() const {
        QByteArray all;
        for (const QString& name : {u"data/master.db"_s, u"data/master.db-wal"_s}) {
            QFile f(path(name));
            if (f.open(QIODevice::ReadOnly)) all += f.readAll();
        }
        return all;
    }
    // (Re)starts the master, with the vault key file unless `withKey` is false.
    bool start(bool withKey) {
        if (master_) master_->kill9();
        master_ = std::make_unique<MasterProcess>(path(u"data"_s), withKey ? QStringList{u"--vault-key-file"_s, key_} : QStringList{});
        if (!master_->start(u"code-1"_s)) return false;
        api_.url = master_->url();
        return true;
    }
    QJsonObject config() { return api_.send("GET", u"/v1/config"_s, admin_).body; }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        key_ = makeVaultKeyFile(path(u"vault.key"_s));
        QVERIFY(!key_.isEmpty());
        QVERIFY2(start(false), qPrintable(master_ ? master_->log() : QString()));
        const Answer login = api_.send("POST", u"/v1/auth"_s, QString(), QJsonObject{{u"code"_s, u"code-1"_s}});
        admin_ = login.body.value(u"access_token"_s).toString();
        QVERIFY2(!admin_.isEmpty(), qPrintable(login.error()));
    }

    // No vault key: a secret value is refused (503, nothing written); others are kept.
    void withoutAKeySecretsAreRefused() {
        Answer a = api_.send("PATCH", u"/v1/config"_s, admin_, QJsonObject{{u"server.name"_s, u"m"_s}, {u"oauth2.client_secret"_s, QString::fromLatin1(kSecret)}});
        QCOMPARE(a.status, 503);
        QVERIFY2(a.error().contains(u"vault key"_s), qPrintable(a.error()));
        QCOMPARE(config(), QJsonObject());
        QCOMPARE(api_.send("PUT", u"/v1/config"_s, admin_, QJsonObject{{u"smtp.password"_s, u"x"_s}}).status, 503);
        QCOMPARE(api_.send("PATCH", u"/v1/config"_s, admin_, QJsonObject{{u"server.name"_s, u"m"_s}}).status, 200);
        QCOMPARE(api_.send("PATCH", u"/v1/config"_s, admin_, QJsonObject{{u"oauth2.client_secret"_s, QJsonValue::Null}}).status, 200);   // unset: fine
        QVERIFY(!storeBytes().contains(kSecret));
    }

    // An older master kept a secret value in the clear: sealed at start, the old bytes gone.
    void plainRowsAreSealedOnStart() {
        master_->kill9();
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"legacy"_s);
            db.setDatabaseName(path(u"data/master.db"_s));
            QVERIFY(db.open());
            QSqlQuery q(db);
            q.prepare(u"INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)"_s);
            q.addBindValue(u"ldap.bind_password"_s);
            q.addBindValue(QByteArray(R"({"v":")" + kLegacy + R"("})"));
            QVERIFY(q.exec());
            db.close();
        }
        QSqlDatabase::removeDatabase(u"legacy"_s);
        QVERIFY(storeBytes().contains(kLegacy));   // the premise: in the clear on disk
        QVERIFY2(start(true), qPrintable(master_->log()));
        QCOMPARE(config().value(u"ldap.bind_password"_s).toString(), QString::fromLatin1(kLegacy));
        QCOMPARE(config().value(u"server.name"_s).toString(), u"m"_s);
        QVERIFY2(!storeBytes().contains(kLegacy), "the unsealed value is still in master.db");
        QVERIFY(master_->log().contains(u"sealed with the vault key"_s));
    }

    void secretValuesAreSealedAtRest() {
        QCOMPARE(api_.send("PATCH", u"/v1/config"_s, admin_, QJsonObject{{u"oauth2.client_secret"_s, QString::fromLatin1(kSecret)}}).status, 200);
        const Answer one = api_.send("GET", u"/v1/config/oauth2.client_secret"_s, admin_);
        QCOMPARE(one.status, 200);
        QCOMPARE(one.body.value(u"oauth2.client_secret"_s).toString(), QString::fromLatin1(kSecret));
        const QByteArray bytes = storeBytes();
        QVERIFY(!bytes.contains(kSecret));
        QVERIFY(bytes.contains("kv1.1."));   // sealed with key version 1
        QVERIFY(bytes.contains("server.name") && bytes.contains(R"({"v":"m"})"));   // other values stay readable

        QVERIFY2(start(true), qPrintable(master_->log()));   // kill -9 and restart
        QCOMPARE(config().value(u"oauth2.client_secret"_s).toString(), QString::fromLatin1(kSecret));
        QVERIFY(!storeBytes().contains(kSecret));

        const QJsonArray audit = api_.send("GET", u"/v1/audit_logs?limit=1000"_s, admin_).body.value(u"logs"_s).toArray();
        QVERIFY(!audit.isEmpty());
        QVERIFY(!QJsonDocument(audit).toJson().contains(kSecret));
        QVERIFY(QJsonDocument(audit).toJson().contains("<hidden>"));
        QVERIFY(!master_->log().contains(QString::fromLatin1(kSecret)) && !master_->log().contains(QString::fromLatin1(kLegacy)));
    }

    // Without the key the sealed values are left out (and kept); with it they are back.
    void sealedValuesNeedTheKey() {
        QVERIFY2(start(false), qPrintable(master_->log()));
        const QJsonObject without = config();
        QVERIFY(!without.contains(u"oauth2.client_secret"_s) && without.value(u"server.name"_s).toString() == u"m"_s);
        QVERIFY(master_->log().contains(u"oauth2.client_secret is sealed and no vault key is configured"_s));
        QVERIFY2(start(true), qPrintable(master_->log()));
        QCOMPARE(config().value(u"oauth2.client_secret"_s).toString(), QString::fromLatin1(kSecret));
    }

    // A rotated key (version 2 added): the value re-sealed with version 2 at start.
    void rotatedKeyReseals() {
        QProcess gen;
        gen.start(qEnvironmentVariable("KONTENA_MASTER_BIN"), {u"--generate-vault-key"_s, u"--vault-key-file"_s, key_});
        QVERIFY(gen.waitForFinished(20000) && gen.exitCode() == 0);
        const QByteArray line = gen.readAllStandardOutput();
        QVERIFY2(line.startsWith("2:"), line.left(2).constData());
        QFile f(key_);
        QVERIFY(f.open(QIODevice::Append));
        f.write(line);
        f.close();
        QVERIFY2(start(true), qPrintable(master_->log()));
        QCOMPARE(config().value(u"oauth2.client_secret"_s).toString(), QString::fromLatin1(kSecret));
        QCOMPARE(config().value(u"ldap.bind_password"_s).toString(), QString::fromLatin1(kLegacy));
        QVERIFY(storeBytes().contains("kv1.2."));
        QVERIFY(!storeBytes().contains(kSecret));
    }
};

QTEST_GUILESS_MAIN(TestMasterConfigSecrets)
#include "tst_master_config_secrets.moc"
