// Certificates and registry credentials, the vault's pure parts: a
// self-signed and a chained certificate described (subject, alt names,
// expiry), the bundle's order, every refusal naming its field without
// echoing the key (garbage, expired, a key of another certificate, an
// encrypted key, a bad chain), the import source, renewal, registry names.
#include <QTest>

#include <ctime>

#include "tests/vault/test_certs.h"
#include "vault/certificate.h"
#include "vault/registry.h"

using namespace kontena;
using namespace kontena::vault;
using kontena::testing::makeCert;
using kontena::testing::TestCert;

namespace {

Instant now() { return Instant(static_cast<std::int64_t>(std::time(nullptr)) * 1000); }

std::string errorOf(const Result<Certificate>& r) { return r ? std::string("(accepted)") : r.error().message; }

// The base64 body of a PEM text's first block (what must never be echoed).
std::string pemBody(const std::string& pem) {
    const std::size_t start = pem.find('\n') + 1;
    return pem.substr(start, 60);
}

}  // namespace

class TstCertificate : public QObject {
    Q_OBJECT
private slots:
    void selfSigned() {
        const TestCert t = makeCert("www.example.com", {"www.example.com", "example.com", "api.example.com"});
        auto c = importCertificate({t.certificate, t.privateKey, {}}, now());
        QVERIFY2(c, errorOf(c).c_str());
        QCOMPARE(c.value().subject, std::string("www.example.com"));
        QCOMPARE(c.value().altNames, (std::vector<std::string>{"example.com", "api.example.com"}));
        const std::int64_t in90Days = now().ms + 90LL * 24 * 3600 * 1000;
        QVERIFY(std::llabs(c.value().validUntil.ms - in90Days) < 5000);
        QCOMPARE(c.value().certificate, t.certificate);
        QVERIFY(c.value().chain.empty());
        QVERIFY(c.value().privateKey.find("BEGIN PRIVATE KEY") != std::string::npos);
        QCOMPARE(c.value().bundle(), c.value().certificate + c.value().privateKey);
        QCOMPARE(c.value().origin, Origin::Import);
    }

    void withoutCommonName() {
        const TestCert t = makeCert("", {"a.example.com", "b.example.com"});
        auto c = importCertificate({t.certificate, t.privateKey, {}}, now());
        QVERIFY2(c, errorOf(c).c_str());
        QCOMPARE(c.value().subject, std::string("a.example.com"));
        QCOMPARE(c.value().altNames, std::vector<std::string>{"b.example.com"});
    }

    // Intermediates in the certificate text and in chain: both kept, in order; bundle = cert, chain, key.
    void chain() {
        const TestCert ca = makeCert("Test Root CA");
        const TestCert mid = makeCert("Test Intermediate", {}, -60, 3600 * 24 * 365, ca);
        const TestCert leaf = makeCert("shop.example.com", {"shop.example.com"}, -60, 3600 * 24 * 30, mid);
        auto c = importCertificate({leaf.certificate + mid.certificate, leaf.privateKey, {ca.certificate}}, now());
        QVERIFY2(c, errorOf(c).c_str());
        QCOMPARE(c.value().chain, mid.certificate + ca.certificate);
        QCOMPARE(c.value().bundle(), leaf.certificate + mid.certificate + ca.certificate + c.value().privateKey);
        // Text around the blocks (openssl's "subject=" lines) is dropped.
        auto decorated = importCertificate({"subject=CN = shop\n" + leaf.certificate + "trailing words\n", leaf.privateKey, {}}, now());
        QVERIFY2(decorated, errorOf(decorated).c_str());
        QCOMPARE(decorated.value().certificate, leaf.certificate);
    }

    void refusals_data() {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("message");
        QTest::newRow("garbage certificate") << 0 << QStringLiteral("certificate: is not a PEM certificate");
        QTest::newRow("empty certificate") << 1 << QStringLiteral("certificate: is not a PEM certificate");
        QTest::newRow("key as certificate") << 2 << QStringLiteral("certificate: is not a PEM certificate");
        QTest::newRow("expired") << 3 << QStringLiteral("certificate: expired at 20");
        QTest::newRow("no names") << 4 << QStringLiteral("certificate: has neither a subject common name nor a DNS name");
        QTest::newRow("missing key") << 5 << QStringLiteral("private_key: is missing");
        QTest::newRow("garbage key") << 6 << QStringLiteral("private_key: is not an unencrypted PEM private key");
        QTest::newRow("mismatched key") << 7 << QStringLiteral("private_key: does not belong to the certificate");
        QTest::newRow("encrypted key") << 8 << QStringLiteral("private_key: is not an unencrypted PEM private key");
        QTest::newRow("bad chain") << 9 << QStringLiteral("chain[1]: is not PEM certificates");
        QTest::newRow("broken base64") << 10 << QStringLiteral("certificate: is not a PEM certificate");
    }
    void refusals() {
        QFETCH(int, which);
        QFETCH(QString, message);
        const TestCert good = makeCert("good.example.com");
        const TestCert other = makeCert("other.example.com");
        const TestCert expired = makeCert("old.example.com", {}, -3 * 24 * 3600, -24 * 3600);
        const TestCert nameless = makeCert("", {});
        std::string broken = good.certificate;
        broken[broken.find('\n') + 10] = '!';
        const std::string encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAh7\n-----END ENCRYPTED PRIVATE KEY-----\n";
        const std::vector<PemImport> inputs{
            {"not a certificate", good.privateKey, {}},
            {"", good.privateKey, {}},
            {good.privateKey, good.privateKey, {}},
            {expired.certificate, expired.privateKey, {}},
            {nameless.certificate, nameless.privateKey, {}},
            {good.certificate, " \n", {}},
            {good.certificate, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", {}},
            {good.certificate, other.privateKey, {}},
            {good.certificate, encrypted, {}},
            {good.certificate, good.privateKey, {other.certificate, "junk"}},
            {broken, good.privateKey, {}},
        };
        const auto r = importCertificate(inputs.at(static_cast<std::size_t>(which)), now());
        QVERIFY(!r);
        const std::string error = r.error().message;
        QVERIFY2(error.rfind(message.toStdString(), 0) == 0, error.c_str());
        for (const TestCert& t : {good, other, expired}) {
            QVERIFY2(error.find(pemBody(t.privateKey)) == std::string::npos, error.c_str());
            QVERIFY2(error.find(pemBody(t.certificate)) == std::string::npos, error.c_str());
        }
        // The next import is not disturbed by what OpenSSL queued for this one.
        QVERIFY(importCertificate({good.certificate, good.privateKey, {}}, now()));
    }

    void importSourceChecksDomains() {
        const TestCert t = makeCert("www.example.com", {"www.example.com", "example.com"});
        ImportSource source({t.certificate, t.privateKey, {}});
        QCOMPARE(source.origin(), Origin::Import);
        std::optional<std::string> outcome;
        auto record = [&](Result<Certificate> r) { outcome = r ? r.value().subject : "error: " + r.error().message; };
        source.obtain({}, now(), record);
        QCOMPARE(*outcome, std::string("www.example.com"));
        source.obtain({"www.example.com", "example.com"}, now(), record);
        QCOMPARE(*outcome, std::string("www.example.com"));
        source.obtain({"example.com"}, now(), record);
        QCOMPARE(*outcome, std::string("error: certificate: is for www.example.com, not example.com"));
        source.obtain({"www.example.com", "shop.example.com"}, now(), record);
        QCOMPARE(*outcome, std::string("error: certificate: does not name shop.example.com"));
    }

    void renewal() {
        Certificate c;
        c.validUntil = Instant(1'000'000'000'000);
        const Instant eightDaysBefore = c.validUntil - Duration::hours(24 * 8), sixDaysBefore = c.validUntil - Duration::hours(24 * 6);
        QVERIFY(!needsRenewal(c, sixDaysBefore));   // imported: never
        c.origin = Origin::Acme;
        QVERIFY(!needsRenewal(c, eightDaysBefore));
        QVERIFY(needsRenewal(c, sixDaysBefore));
        QCOMPARE(std::string(originName(Origin::Acme)), std::string("acme"));
    }

    void registryNames_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("name");   // or "url: ..." for a refusal
        QTest::newRow("https") << "https://registry.example.com" << "registry.example.com";
        QTest::newRow("port and path") << "https://Registry.Example.com:5000/v2/" << "registry.example.com:5000";
        QTest::newRow("http") << "http://127.0.0.5:5000" << "127.0.0.5:5000";
        QTest::newRow("no scheme") << "registry.example.com" << "url: must start with https:// or http://";
        QTest::newRow("ftp") << "ftp://registry.example.com" << "url: must start with https:// or http://";
        QTest::newRow("no host") << "https:///v2" << "url: must name a host (and an optional port)";
        QTest::newRow("bad port") << "https://r.example.com:99999" << "url: must name a host (and an optional port)";
        QTest::newRow("empty port") << "https://r.example.com:" << "url: must name a host (and an optional port)";
        QTest::newRow("space") << "https://r example.com" << "url: must name a host (and an optional port)";
        QTest::newRow("user info") << "https://bob:pw@r.example.com" << "url: must not carry user information (use username and password)";
    }
    void registryNames() {
        QFETCH(QString, url);
        QFETCH(QString, name);
        const auto r = registryName(url.toStdString());
        QCOMPARE(QString::fromStdString(r ? r.value() : r.error().message), name);
    }

    void registryCredentials() {
        RegistryCredentials c{"https://r.example.com", "bob", "hunter2-Quokka", ""};
        QCOMPARE(checkCredentials(c).value(), std::string("r.example.com"));
        c.email = "bob@example.com";
        QVERIFY(checkCredentials(c));
        for (auto [change, message] : std::vector<std::pair<std::function<void(RegistryCredentials&)>, std::string>>{
                 {[](RegistryCredentials& x) { x.username.clear(); }, "username: must be 1-255 bytes"},
                 {[](RegistryCredentials& x) { x.password.clear(); }, "password: must be 1-4096 bytes"},
                 {[](RegistryCredentials& x) { x.password.assign(5000, 'p'); }, "password: must be 1-4096 bytes"},
                 {[](RegistryCredentials& x) { x.email = "bob"; }, "email: must be an address with an @"},
                 {[](RegistryCredentials& x) { x.url = "r.example.com"; }, "url: must start with https:// or http://"}}) {
            RegistryCredentials bad = c;
            change(bad);
            const auto r = checkCredentials(bad);
            QVERIFY(!r);
            QCOMPARE(r.error().message, message);
            QVERIFY(r.error().message.find("hunter2") == std::string::npos);
        }
    }
};

QTEST_APPLESS_MAIN(TstCertificate)
#include "tst_certificate.moc"
