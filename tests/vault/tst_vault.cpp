// The vault's cipher and secret injection: round trips, every way a sealed
// value must fail to open (wrong key, another record, tampering, unknown key
// version, malformed text), rotation, key-file errors and the env entries
// services get.
#include <QTest>

#include <random>
#include <string>

#include "vault/crypto.h"
#include "vault/secrets.h"

using namespace kontena;
using namespace kontena::vault;

namespace {

Keyring ring(const std::string& text) {
    auto r = Keyring::parse(text);
    if (!r) qFatal("keyring: %s", r.error().message.c_str());
    return std::move(r).value();
}

const Address kPassword{"prod", RecordKind::Secret, "MYSQL_ROOT_PASSWORD"};

}  // namespace

class TstVault : public QObject {
    Q_OBJECT
private slots:
    void sealOpenRoundTrip() {
        const Keyring keys = ring(Keyring::generateLine(1));
        const Cipher c(keys);
        for (const std::string& value : {std::string(), std::string("s3cret"), std::string(100000, 'x'), std::string("a\0b", 3)}) {
            const std::string sealed = c.seal(kPassword, value);
            QVERIFY(sealed.rfind("kv1.1.", 0) == 0);
            auto opened = c.open(kPassword, sealed);
            QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
            QCOMPARE(opened.value(), value);
        }
    }

    void sealedTextNeverHoldsThePlaintext() {
        const Keyring keys = ring(Keyring::generateLine(1));
        const Cipher c(keys);
        const std::string value = "correct-horse-battery-staple";
        const std::string a = c.seal(kPassword, value), b = c.seal(kPassword, value);
        QVERIFY(a.find(value) == std::string::npos);
        QVERIFY(a.find("Y29ycmVjdC1ob3Jz") == std::string::npos);   // nor its base64
        QVERIFY(a != b);   // a fresh nonce every time
    }

    void valuesAreBoundToTheirRecord() {
        const Keyring keys = ring(Keyring::generateLine(1));
        const Cipher c(keys);
        const std::string sealed = c.seal(kPassword, "v");
        QVERIFY(!c.open(Address{"staging", RecordKind::Secret, "MYSQL_ROOT_PASSWORD"}, sealed));
        QVERIFY(!c.open(Address{"prod", RecordKind::Secret, "OTHER"}, sealed));
        QVERIFY(!c.open(Address{"prod", RecordKind::Certificate, "MYSQL_ROOT_PASSWORD"}, sealed));
        // NUL-separated: ("ab", "c") and ("a", "bc") are different records.
        const std::string s2 = c.seal(Address{"ab", RecordKind::Secret, "c"}, "v");
        QVERIFY(!c.open(Address{"a", RecordKind::Secret, "bc"}, s2));
    }

    void wrongKeyFailsWithAClearMessage() {
        const Keyring mine = ring(Keyring::generateLine(1));
        const Keyring other = ring(Keyring::generateLine(1));
        const std::string sealed = Cipher(mine).seal(kPassword, "hunter2");
        auto r = Cipher(other).open(kPassword, sealed);
        QVERIFY(!r);
        QVERIFY(r.error().message.find("does not authenticate with key version 1") != std::string::npos);
        QVERIFY(r.error().message.find("hunter2") == std::string::npos);
        QVERIFY(!Cipher(other).canaryOpens("prod", Cipher(mine).sealCanary("prod")));
        QVERIFY(Cipher(mine).canaryOpens("prod", Cipher(mine).sealCanary("prod")));
    }

    void everyFlippedByteIsDetected() {
        const Keyring keys = ring(Keyring::generateLine(3));
        const Cipher c(keys);
        const std::string sealed = c.seal(kPassword, "value");
        const auto body = sealed.find('.', 4) + 1;   // after "kv1.3."
        int rejected = 0, total = 0;
        for (std::size_t i = body; i < sealed.size(); ++i) {
            if (sealed[i] == '.' || sealed[i] == '=') continue;
            std::string t = sealed;
            t[i] = t[i] == 'A' ? 'B' : 'A';
            ++total;
            if (!c.open(kPassword, t)) ++rejected;
        }
        QVERIFY(total > 40);
        QCOMPARE(rejected, total);
    }

    void malformedSealedText_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("no prefix") << QByteArray("1.AAAA.AAAA");
        QTest::newRow("version 0") << QByteArray("kv1.0.AAAA.AAAA");
        QTest::newRow("version text") << QByteArray("kv1.x.AAAA.AAAA");
        QTest::newRow("version huge") << QByteArray("kv1.99999999999.AAAA.AAAA");
        QTest::newRow("missing part") << QByteArray("kv1.1.AAAA");
        QTest::newRow("bad base64") << QByteArray("kv1.1.%%%%.AAAA");
        QTest::newRow("short nonce") << QByteArray("kv1.1.AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        QTest::newRow("short box") << QByteArray("kv1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAA");
        QTest::newRow("trailing") << QByteArray("kv1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA.x");
    }
    void malformedSealedText() {
        QFETCH(QByteArray, text);
        const Keyring keys = ring(Keyring::generateLine(1));
        auto r = Cipher(keys).open(kPassword, text.toStdString());
        QVERIFY(!r);
        QVERIFY(!r.error().message.empty());
    }

    // A sealed text has one spelling: changing the unused bits of the last
    // base64 character (same bytes once decoded) does not open either.
    void nonCanonicalBase64Refused() {
        const Keyring keys = ring(Keyring::generateLine(1));
        const Cipher c(keys);
        const std::string sealed = c.seal(kPassword, "x");   // a 17-byte box: its last character has 2 unused bits
        const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const auto last = sealed.find_last_not_of('=');
        int opened = 0;
        for (char ch : alphabet) {
            std::string t = sealed;
            t[last] = ch;
            if (c.open(kPassword, t)) ++opened;
        }
        QCOMPARE(opened, 1);   // only the original spelling
    }

    // Random bytes and mutations never crash and never open.
    void randomInputNeverOpens() {
        const Keyring keys = ring(Keyring::generateLine(1));
        const Cipher c(keys);
        const std::string good = c.seal(kPassword, "v");
        std::mt19937 rng(7);
        for (int i = 0; i < 3000; ++i) {
            std::string t = i % 2 ? good : std::string("kv1.1.");
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e) {
                const auto pos = rng() % (t.size() + 1);
                if (rng() % 2 && pos < t.size()) t[pos] = static_cast<char>(rng() % 256);
                else t.insert(pos, 1, static_cast<char>(rng() % 256));
            }
            if (t == good) continue;   // a replacement by the same byte changed nothing
            QVERIFY2(!c.open(kPassword, t), t.c_str());
        }
    }

    void rotationResealsWithTheNewestKey() {
        const std::string v1 = Keyring::generateLine(1), v2 = Keyring::generateLine(2);
        const Keyring old = ring(v1);
        const std::string sealed = Cipher(old).seal(kPassword, "pw");
        const Keyring both = ring(v1 + "\n" + v2 + "\n");
        const Cipher c(both);
        QCOMPARE(both.currentVersion(), 2u);
        QCOMPARE(c.open(kPassword, sealed).value(), std::string("pw"));   // old values still open
        auto re = c.reseal(kPassword, sealed);
        QVERIFY(re.ok());
        QCOMPARE(Cipher::versionOf(re.value()), 2u);
        QCOMPARE(c.open(kPassword, re.value()).value(), std::string("pw"));
        QCOMPARE(c.reseal(kPassword, re.value()).value(), re.value());   // already current: unchanged
        // Once version 1 is retired, only resealed values open.
        const Keyring onlyNew = ring("# rotated\n" + v2);
        QVERIFY(!Cipher(onlyNew).open(kPassword, sealed));
        QCOMPARE(Cipher(onlyNew).open(kPassword, re.value()).value(), std::string("pw"));
    }

    void retiredKeyVersionIsNamed() {
        const Keyring v1 = ring(Keyring::generateLine(1));
        const Keyring v2 = ring(Keyring::generateLine(2));
        auto r = Cipher(v2).open(kPassword, Cipher(v1).seal(kPassword, "x"));
        QVERIFY(!r);
        QCOMPARE(r.error().message, std::string("sealed with key version 1, which the vault key file does not hold"));
    }

    void keyFileErrors_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("empty") << QByteArray("\n# nothing\n") << QByteArray("the vault key file holds no key");
        QTest::newRow("no version") << QByteArray("AAAA") << QByteArray("line 1: expected VERSION:BASE64KEY");
        QTest::newRow("version 0") << QByteArray("0:AAAA") << QByteArray("line 1: expected VERSION:BASE64KEY");
        QTest::newRow("short key") << QByteArray("\n1:AAAA") << QByteArray("line 2: the key must be 32 bytes");
        QTest::newRow("not base64") << QByteArray("1:****") << QByteArray("line 1: the key must be 32 bytes");
    }
    void keyFileErrors() {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, message);
        auto r = Keyring::parse(text.toStdString());
        QVERIFY(!r);
        QVERIFY2(r.error().message.rfind(message.toStdString(), 0) == 0, r.error().message.c_str());
    }
    void duplicateVersionRefused() {
        const std::string line = Keyring::generateLine(4);
        auto r = Keyring::parse(line + "\n" + line);
        QVERIFY(!r);
        QCOMPARE(r.error().message, std::string("line 2: key version 4 appears twice"));
        QVERIFY(r.error().message.find(line.substr(2)) == std::string::npos);
    }

    void secretNames_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "MYSQL_ROOT_PASSWORD" << true;
        QTest::newRow("dash") << "wordpress-db-pw" << true;
        QTest::newRow("leading dash") << "-x" << false;
        QTest::newRow("dot") << "a.b" << false;
        QTest::newRow("slash") << "a/b" << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("long") << QString(256, QLatin1Char('a')) << false;
    }
    void secretNames() {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        QCOMPARE(isValidSecretName(name.toStdString()), valid);
    }

    void secretEnvJoinsAndNamesWhatIsMissing() {
        const std::map<std::string, std::string> vault{{"pw", "p"}, {"cert-a", "A"}, {"cert-b", "B"}};
        const Lookup lookup = [&](const std::string& n) -> std::optional<std::string> {
            auto it = vault.find(n);
            return it == vault.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
        auto env = secretEnv("shop/db", {{"pw", "DB_PASSWORD", "env"}}, {{"cert-a", "SSL_CERTS", "env"}, {"cert-b", "SSL_CERTS", "env"}},
                             lookup, lookup);
        QVERIFY(env.ok());
        QCOMPARE(env.value(), (std::vector<std::string>{"DB_PASSWORD=p", "SSL_CERTS=A\nB"}));
        auto missing = secretEnv("shop/db", {{"pw", "A", "env"}, {"nope", "B", "env"}}, {}, lookup, lookup);
        QVERIFY(!missing);
        QCOMPARE(missing.error().message, std::string("Cannot deploy shop/db: secret nope does not exist in the vault"));
        auto badType = secretEnv("shop/db", {{"pw", "A", "file"}}, {}, lookup, lookup);
        QVERIFY(!badType);
        QVERIFY(badType.error().message.find("only env is supported") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TstVault)
#include "tst_vault.moc"
