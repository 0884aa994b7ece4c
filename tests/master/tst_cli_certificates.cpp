// `kontena certificate` and `kontena external-registry` through the real
// kontena and kontena-master programs: import (with a chain), ls (table and
// -o json), show, rm; a mismatched key, an expired certificate and a
// missing file refused with clear messages; registry add with the password
// from -p and from stdin, ls, rm; no private key or password anywhere in
// the master's data directory or log.
#include <QDirIterator>
#include <QFile>
#include <QtTest>

#include "tests/master/platform_harness.h"
#include "tests/vault/test_certs.h"
#include "vault/crypto.h"

using namespace kontena::testing;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kPassword = "hunter2-Capybara-Axolotl-9034";

QByteArray keyLine(const std::string& pem) { return QByteArray::fromStdString(pem).split('\n').value(1); }

}  // namespace

class TestCliCertificates : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString file(const QString& name, const QByteArray& text) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(text);
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        return path;
    }
    // The CLI with `input` on stdin.
    CliResult runWithInput(const Cli& cli, const QStringList& args, const QByteArray& input) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"KONTENA_CONFIG_DIR"_s, cli.configDir());
        p.setProcessEnvironment(env);
        p.start(qEnvironmentVariable("KONTENA_CLI_BIN"), args);
        p.write(input);
        p.closeWriteChannel();
        p.waitForFinished(60000);
        return CliResult{p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }

private slots:
    void certificatesAndRegistries() {
        QVERIFY(dir_.isValid());
        qputenv("KONTENA_VAULT_KEY_FILE", file(u"vault.key"_s, QByteArray::fromStdString(kontena::vault::Keyring::generateLine(1))).toUtf8());
        MasterProcess master(dir_.filePath(u"data"_s));
        QVERIFY2(master.start(u"code-1"_s), qPrintable(master.log()));
        Cli cli(dir_.filePath(u"cfg"_s));
        QCOMPARE(cli.run({u"master"_s, u"login"_s, u"--code"_s, u"code-1"_s, master.url()}).exit, 0);
        QCOMPARE(cli.run({u"grid"_s, u"create"_s, u"prod"_s}).exit, 0);

        const TestCert ca = makeCert("Test CA");
        const TestCert web = makeCert("www.example.com", {"www.example.com", "example.com"}, -60, 30L * 24 * 3600, ca);
        const TestCert stray = makeCert("stray.example.com");
        const TestCert old = makeCert("old.example.com", {}, -3 * 24 * 3600, -24 * 3600);
        const QString cert = file(u"web.pem"_s, QByteArray::fromStdString(web.certificate));
        const QString key = file(u"web.key"_s, QByteArray::fromStdString(web.privateKey));
        const QString chain = file(u"ca.pem"_s, QByteArray::fromStdString(ca.certificate));

        auto r = cli.run({u"certificate"_s, u"import"_s, u"--private-key"_s, key, u"--chain"_s, chain, cert});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(r.out.trimmed(), u"www.example.com"_s);
        r = cli.run({u"certificate"_s, u"ls"_s});
        QCOMPARE(r.exit, 0);
        QVERIFY2(r.out.startsWith(u"SUBJECT"_s) && r.out.contains(u"ALT NAMES"_s) && r.out.contains(u"VALID UNTIL"_s), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(u"\\nwww\\.example\\.com +example\\.com +20\\d\\d-"_s)), qPrintable(r.out));
        r = cli.run({u"certificate"_s, u"ls"_s, u"-o"_s, u"json"_s});
        QCOMPARE(r.json().toArray().size(), 1);
        QCOMPARE(r.json().toArray().first().toObject().value(u"alt_names"_s).toArray().first().toString(), u"example.com"_s);
        r = cli.run({u"certificate"_s, u"show"_s, u"www.example.com"_s});
        QCOMPARE(r.exit, 0);
        QVERIFY2(r.out.contains(u"valid_until: "_s) && r.out.contains(QString::fromStdString(web.certificate)) &&
                     r.out.contains(QString::fromStdString(ca.certificate)), qPrintable(r.out));
        QVERIFY(!r.out.contains(u"PRIVATE KEY"_s));

        // Refusals: clear, and nothing stored.
        r = cli.run({u"certificate"_s, u"import"_s, u"--private-key"_s, file(u"stray.key"_s, QByteArray::fromStdString(stray.privateKey)), cert});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(u"private_key: does not belong to the certificate"_s) && r.err.contains(u"422"_s), qPrintable(r.err));
        r = cli.run({u"certificate"_s, u"import"_s, u"--private-key"_s, file(u"old.key"_s, QByteArray::fromStdString(old.privateKey)),
                     file(u"old.pem"_s, QByteArray::fromStdString(old.certificate))});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(u"certificate: expired at "_s), qPrintable(r.err));
        r = cli.run({u"certificate"_s, u"import"_s, u"--private-key"_s, dir_.filePath(u"nope.key"_s), cert});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(u"cannot read"_s), qPrintable(r.err));
        QCOMPARE(cli.run({u"certificate"_s, u"import"_s, cert}).exit, 2);   // no --private-key
        QCOMPARE(cli.run({u"certificate"_s, u"ls"_s, u"-o"_s, u"json"_s}).json().toArray().size(), 1);

        // Registries: -p, and stdin.
        r = cli.run({u"external-registry"_s, u"add"_s, u"-u"_s, u"bob"_s, u"-e"_s, u"bob@example.com"_s, u"-p"_s, QString::fromLatin1(kPassword),
                     u"https://registry.example.com:5000"_s});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(r.out.trimmed(), u"registry.example.com:5000"_s);
        r = runWithInput(cli, {u"external-registry"_s, u"add"_s, u"-u"_s, u"ci"_s, u"quay.example.org"_s}, kPassword + "\n");
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({u"external-registry"_s, u"ls"_s});
        QVERIFY2(r.out.startsWith(u"NAME"_s) && r.out.contains(u"https://quay.example.org"_s) && r.out.contains(u"bob@example.com"_s), qPrintable(r.out));
        QVERIFY(!r.out.contains(QString::fromLatin1(kPassword)));
        r = cli.run({u"external-registry"_s, u"ls"_s, u"-o"_s, u"json"_s});
        QCOMPARE(r.json().toArray().size(), 2);
        r = cli.run({u"external-registry"_s, u"add"_s, u"-u"_s, u"ci"_s, u"-p"_s, u"x"_s, u"ftp://x"_s});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(u"url: must start with https:// or http://"_s), qPrintable(r.err));
        QCOMPARE(cli.run({u"external-registry"_s, u"add"_s, u"r.example.com"_s}).exit, 2);   // no -u
        QCOMPARE(cli.run({u"external-registry"_s, u"rm"_s, u"quay.example.org"_s}).exit, 0);
        r = cli.run({u"external-registry"_s, u"rm"_s, u"quay.example.org"_s});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(u"not found"_s), qPrintable(r.err));

        // The data directory and the master's log: no key, no password.
        const QList<QByteArray> needles{keyLine(web.privateKey), kPassword, kPassword.toBase64()};
        for (QDirIterator it(dir_.filePath(u"data"_s), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            for (const QByteArray& n : needles) QVERIFY2(!bytes.contains(n), qPrintable(f.fileName()));
        }
        for (const QByteArray& n : needles) QVERIFY(!master.log().toUtf8().contains(n));

        QCOMPARE(cli.run({u"certificate"_s, u"rm"_s, u"www.example.com"_s}).exit, 0);
        r = cli.run({u"certificate"_s, u"show"_s, u"www.example.com"_s});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(u"Certificate www.example.com not found"_s), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliCertificates)
#include "tst_cli_certificates.moc"
