// Variables (reference 6.3): every type and option, every resolver and
// setter, only_if/skip_if, placeholders and the missing-value error.
#include <QTest>

#include "stack_test_support.h"
#include "stacks/digest.h"
#include "stacks/variables.h"

using namespace stacktest;
using kontena::stacks::LoadResult;
using kontena::stacks::Value;

namespace {

// A stack with one variable `v` (definition lines indented by 4) used by
// a service environment entry.
std::string stackWith(const std::string& definition, const std::string& extraVariables = "") {
    return "stack: test/vars\n"
           "variables:\n"
           "  v:\n" + definition + extraVariables +
           "services:\n"
           "  app:\n"
           "    image: app\n";
}

// The resolved value of variable `name`, rendered as template text.
Value valueOf(const LoadResult& r, const std::string& name = "v") {
    if (!r.stack) return Value();
    const Value* v = r.stack->variables.get(name);
    return v ? *v : Value();
}

QString text(const LoadResult& r, const std::string& name = "v") {
    return QString::fromStdString(valueOf(r, name).toText());
}

}  // namespace

class TestStacksVariables : public QObject {
    Q_OBJECT

private slots:
    // ---------------------------------------------------------- types ----
    void types_data() {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<QString>("given");
        QTest::addColumn<QString>("expected");
        QTest::newRow("string") << "    type: string\n" << "abc" << "abc";
        QTest::newRow("string strip") << "    type: string\n    strip: true\n" << "  abc " << "abc";
        QTest::newRow("string upcase") << "    type: string\n    upcase: true\n" << "abc" << "ABC";
        QTest::newRow("string downcase") << "    type: string\n    downcase: true\n" << "ABC" << "abc";
        QTest::newRow("string capitalize") << "    type: string\n    capitalize: true\n" << "aBC" << "Abc";
        QTest::newRow("string chomp") << "    type: string\n    chomp: true\n" << "abc\n" << "abc";
        QTest::newRow("string encode_64") << "    type: string\n    encode_64: true\n" << "kontena" << "a29udGVuYQ==";
        QTest::newRow("string decode_64") << "    type: string\n    decode_64: true\n" << "a29udGVuYQ==" << "kontena";
        QTest::newRow("hexdigest md5") << "    type: string\n    hexdigest: md5\n" << "abc" << "900150983cd24fb0d6963f7d28e17f72";
        QTest::newRow("hexdigest sha1") << "    type: string\n    hexdigest: sha1\n" << "abc" << "a9993e364706816aba3e25717850c26c9cd0d89d";
        QTest::newRow("hexdigest sha256") << "    type: string\n    hexdigest: sha256\n" << "abc"
                                          << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        QTest::newRow("hexdigest sha384") << "    type: string\n    hexdigest: sha384\n" << "abc"
                                          << "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7";
        QTest::newRow("hexdigest sha512") << "    type: string\n    hexdigest: sha512\n" << "abc"
                                          << "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
        QTest::newRow("integer") << "    type: integer\n" << "42" << "42";
        QTest::newRow("integer in range") << "    type: integer\n    min: 1\n    max: 5\n" << "5" << "5";
        QTest::newRow("boolean yes") << "    type: boolean\n" << "yes" << "true";
        QTest::newRow("boolean other") << "    type: boolean\n" << "nope" << "false";
        QTest::newRow("boolean custom truthy") << "    type: boolean\n    truthy: [ja]\n" << "JA" << "true";
        QTest::newRow("boolean as string") << "    type: boolean\n    as: string\n    'true': enabled\n" << "on" << "enabled";
        QTest::newRow("boolean as integer") << "    type: boolean\n    as: integer\n" << "true" << "1";
        QTest::newRow("enum") << "    type: enum\n    options: [a, b]\n" << "b" << "b";
        QTest::newRow("enum value/label") << "    type: enum\n    options:\n      - value: x\n        label: X\n" << "x" << "x";
        QTest::newRow("uri") << "    type: uri\n" << "https://example.com/a" << "https://example.com/a";
        QTest::newRow("uri schemes") << "    type: uri\n    schemes: [amqp]\n" << "amqp://mq" << "amqp://mq";
        QTest::newRow("array split join") << "    type: array\n    join: '+'\n" << "a, b,c" << "a+b+c";
        QTest::newRow("array custom split") << "    type: array\n    split: ';'\n    join: ','\n" << "a;b" << "a,b";
        QTest::newRow("array uniq sort compact") << "    type: array\n    uniq: true\n    sort: true\n    compact: true\n    join: ','\n"
                                                 << "c,,a,c,b" << "a,b,c";
        QTest::newRow("array count") << "    type: array\n    count: true\n" << "a,b,c" << "3";
        QTest::newRow("in") << "    type: string\n    in: [x, y]\n" << "y" << "y";
    }
    void types() {
        QFETCH(QString, definition);
        QFETCH(QString, given);
        QFETCH(QString, expected);
        TestSetup t;
        t.set("v", given.toStdString());
        const LoadResult r = t.load(stackWith(definition.toStdString()));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r), expected);
    }

    void typedValues() {
        TestSetup t;
        t.set("v", "7");
        LoadResult r = t.load(stackWith("    type: integer\n"));
        QCOMPARE(valueOf(r).kind(), Value::Kind::Int);
        TestSetup b;
        b.set("v", "true");
        r = b.load(stackWith("    type: boolean\n"));
        QCOMPARE(valueOf(r).kind(), Value::Kind::Bool);
        TestSetup a;
        a.set("v", "x,y");
        r = a.load(stackWith("    type: array\n"));
        QCOMPARE(valueOf(r).kind(), Value::Kind::List);
        QCOMPARE(valueOf(r).items().size(), std::size_t(2));
    }

    void typeErrors_data() {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<QString>("given");
        QTest::addColumn<QString>("message");
        QTest::newRow("integer") << "    type: integer\n" << "three" << "variables.v: expected an integer, got \"three\"";
        QTest::newRow("integer min") << "    type: integer\n    min: 3\n" << "2" << "must be at least 3";
        QTest::newRow("integer max") << "    type: integer\n    max: 3\n" << "4" << "must be at most 3";
        QTest::newRow("min_length") << "    type: string\n    min_length: 5\n" << "abc" << "at least 5 characters";
        QTest::newRow("max_length") << "    type: string\n    max_length: 2\n" << "abc" << "at most 2 characters";
        QTest::newRow("enum") << "    type: enum\n    options: [a, b]\n" << "c" << "expected one of a, b, got \"c\"";
        QTest::newRow("uri") << "    type: uri\n" << "not a uri" << "expected a URI";
        QTest::newRow("uri scheme") << "    type: uri\n" << "ftp://x" << "scheme must be one of http, https";
        QTest::newRow("in") << "    type: string\n    in: [x, y]\n" << "z" << "expected one of x, y";
        QTest::newRow("decode_64") << "    type: string\n    decode_64: true\n" << "!!" << "not valid base64";
        QTest::newRow("hexdigest") << "    type: string\n    hexdigest: crc32\n" << "a" << "hexdigest must be one of";
        QTest::newRow("unknown type") << "    type: float\n" << "1" << "variables.v.type: expected one of string";
        QTest::newRow("not a mapping") << "    \n" << "1" << "variables.v: expected a mapping";
    }
    void typeErrors() {
        QFETCH(QString, definition);
        QFETCH(QString, given);
        QFETCH(QString, message);
        TestSetup t;
        t.set("v", given.toStdString());
        const LoadResult r = t.load(stackWith(definition.toStdString()));
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {"test.yml:", message.toStdString()}), qPrintable(describe(r)));
    }

    void nilHandling() {
        TestSetup t;
        // empty_is_nil (default) + required: false -> nil
        LoadResult r = t.load(stackWith("    type: string\n    required: false\n"));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(valueOf(r).isNil());
        // nil_is_zero
        r = t.load(stackWith("    type: integer\n    nil_is_zero: true\n"));
        QCOMPARE(text(r), QStringLiteral("0"));
        // booleans are never missing: nil_is (false by default)
        r = t.load(stackWith("    type: boolean\n"));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r), QStringLiteral("false"));
        r = t.load(stackWith("    type: boolean\n    nil_is: true\n"));
        QCOMPARE(text(r), QStringLiteral("true"));
        // empty_is_nil false keeps ""
        t.set("v", "");
        r = t.load(stackWith("    type: string\n    empty_is_nil: false\n"));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(valueOf(r).isString());
    }

    void missingValueNamesTheVariable() {
        TestSetup t;
        const LoadResult r = t.load(stackWith("    type: string\n    from:\n      prompt: Who?\n"));
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {"test.yml:3:3: variables.v", "no value for variable 'v'"}), qPrintable(describe(r)));
    }

    void defaultAndFixedValue() {
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: integer\n    default: 5\n"));
        QCOMPARE(text(r), QStringLiteral("5"));
        r = t.load(stackWith("    type: string\n    value: fixed\n    default: other\n"));
        QCOMPARE(text(r), QStringLiteral("fixed"));
        t.set("v", "given");
        r = t.load(stackWith("    type: string\n    value: fixed\n"));
        QCOMPARE(text(r), QStringLiteral("given"));
    }

    // ------------------------------------------------------ resolvers ----
    void envResolver() {
        TestSetup t(std::map<std::string, std::string>{{"V", "from-default-name"}, {"OTHER", "from-hint"}});
        LoadResult r = t.load("stack: a/b\nvariables:\n  V:\n    type: string\nservices:\n  s:\n    image: x\n");
        QCOMPARE(text(r, "V"), QStringLiteral("from-default-name"));
        r = t.load(stackWith("    type: string\n    from:\n      env: OTHER\n"));
        QCOMPARE(text(r), QStringLiteral("from-hint"));
    }

    void resolverOrderFirstAnswerWins() {
        TestSetup t(std::map<std::string, std::string>{{"E", "env-value"}});
        t.backend.answers["v"] = "prompted";
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      prompt: q\n      env: E\n"));
        QCOMPARE(text(r), QStringLiteral("prompted"));
        r = t.load(stackWith("    type: string\n    from:\n      env: E\n      prompt: q\n"));
        QCOMPARE(text(r), QStringLiteral("env-value"));
        t.backend.answers.clear();
        r = t.load(stackWith("    type: string\n    from:\n      env: MISSING\n      prompt: q\n    default: dflt\n"));
        QCOMPARE(text(r), QStringLiteral("dflt"));
    }

    void fileResolver() {
        TestSetup t;
        const std::string file = dataDir() + "/stack.yml";
        LoadResult r = kontena::stacks::loadStackText(stackWith("    type: string\n    strip: true\n    from:\n      file: .env\n"), file, t.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(text(r).contains(QStringLiteral("API_KEY=abc123")));
        r = kontena::stacks::loadStackText(stackWith("    type: string\n    from:\n      file: nope.txt\n"), file, t.options);
        QVERIFY(hasError(r, {"variables.v.from.file", "cannot read file 'nope.txt'"}));
        r = kontena::stacks::loadStackText(
            stackWith("    type: string\n    default: d\n    from:\n      file:\n        path: nope.txt\n        ignore_errors: true\n"), file,
            t.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r), QStringLiteral("d"));
    }

    void randomNumber() {
        TestSetup t;
        for (std::uint64_t seed = 1; seed < 30; ++seed) {
            t.options.seed = seed;
            LoadResult r = t.load(stackWith("    type: integer\n    from:\n      random_number:\n        min: 5\n        max: 7\n"));
            QVERIFY2(r.ok(), qPrintable(describe(r)));
            QVERIFY(valueOf(r).asInt() >= 5 && valueOf(r).asInt() <= 7);
        }
        LoadResult bad = t.load(stackWith("    type: integer\n    from:\n      random_number:\n        min: 9\n        max: 7\n"));
        QVERIFY(hasError(bad, {"random_number max 7 is below min 9"}));
    }

    void randomString_data() {
        QTest::addColumn<QString>("hint");
        QTest::addColumn<QString>("alphabet");
        QTest::addColumn<int>("length");
        QTest::newRow("length only") << " 12" << "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" << 12;
        QTest::newRow("numbers") << "\n        length: 8\n        charset: numbers" << "0123456789" << 8;
        QTest::newRow("letters") << "\n        length: 8\n        charset: letters" << "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" << 8;
        QTest::newRow("downcase") << "\n        length: 8\n        charset: downcase" << "abcdefghijklmnopqrstuvwxyz" << 8;
        QTest::newRow("upcase") << "\n        length: 8\n        charset: upcase" << "ABCDEFGHIJKLMNOPQRSTUVWXYZ" << 8;
        QTest::newRow("hex") << "\n        length: 16\n        charset: hex" << "0123456789abcdef" << 16;
        QTest::newRow("hex_upcase") << "\n        length: 16\n        charset: hex_upcase" << "0123456789ABCDEF" << 16;
        QTest::newRow("base64") << "\n        length: 8\n        charset: base64"
                                << "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" << 8;
        QTest::newRow("literal charset") << "\n        length: 10\n        charset: xyz" << "xyz" << 10;
    }
    void randomString() {
        QFETCH(QString, hint);
        QFETCH(QString, alphabet);
        QFETCH(int, length);
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      random_string:" + hint.toStdString() + "\n"));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const QString v = text(r);
        QCOMPARE(v.size(), length);
        for (QChar c : v) QVERIFY2(alphabet.contains(c), qPrintable(v));
    }
    void randomStringErrors() {
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      random_string:\n        length: 6\n        charset: base64\n"));
        QVERIFY(hasError(r, {"multiple of 4"}));
        r = t.load(stackWith("    type: string\n    from:\n      random_string: 0\n"));
        QVERIFY(hasError(r, {"length must be between 1 and 4096"}));
    }
    void randomIsSeeded() {
        TestSetup a, b;
        const std::string s = stackWith("    type: string\n    from:\n      random_string: 20\n");
        QCOMPARE(text(a.load(s)), text(b.load(s)));
        b.options.seed = 2;
        QVERIFY(text(a.load(s)) != text(b.load(s)));
    }

    void randomUuid() {
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      random_uuid: true\n"));
        const QString v = text(r);
        QCOMPARE(v.size(), 36);
        QCOMPARE(v[14], QLatin1Char('4'));
        QVERIFY(QStringLiteral("89ab").contains(v[19]));
        QCOMPARE(v.count(QLatin1Char('-')), 4);
    }

    void interpolateResolver() {
        TestSetup t;
        t.set("user", "bob");
        const std::string extra = "  user:\n    type: string\n";
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      interpolate: amqp://${user}@node.${STACK}.${GRID}\n", extra));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r), QStringLiteral("amqp://bob@node.vars.test-grid"));
        r = t.load(stackWith("    type: string\n    from:\n      interpolate: ${nope}\n"));
        QVERIFY(hasError(r, {"unknown variable 'nope'"}));
    }

    void evaluateResolver_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("expected");
        QTest::newRow("integer division") << "string" << "((${m} * 10) * 7) / 100" << "358";
        QTest::newRow("float") << "string" << "${m} / 1024.0" << "0.5";
        QTest::newRow("float to integer") << "integer" << "${m} * 0.8" << "409";
        QTest::newRow("precedence") << "integer" << "2 + 3 * 4 - -1" << "15";
        QTest::newRow("modulo") << "integer" << "${m} % 7" << "1";
    }
    void evaluateResolver() {
        QFETCH(QString, type);
        QFETCH(QString, expression);
        QFETCH(QString, expected);
        TestSetup t;
        const std::string extra = "  m:\n    type: integer\n    default: 512\n";
        LoadResult r = t.load(stackWith("    type: " + type.toStdString() + "\n    from:\n      evaluate: " + expression.toStdString() + "\n", extra));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r), expected);
    }
    void evaluateErrors() {
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: integer\n    from:\n      evaluate: 1 / 0\n"));
        QVERIFY(hasError(r, {"variables.v.from.evaluate", "division by zero"}));
        r = t.load(stackWith("    type: integer\n    from:\n      evaluate: 1 +\n"));
        QVERIFY(hasError(r, {"expected a number"}));
        r = t.load(stackWith("    type: integer\n    from:\n      evaluate: 2 x 3\n"));
        QVERIFY(hasError(r, {"unexpected 'x'"}));
    }

    void vaultResolver() {
        TestSetup t;
        t.backend.vault["vars-token"] = "s3cret";
        const std::string s = "stack: test/vars\nvariables:\n  v:\n    type: string\n    from:\n      vault: ${STACK}-token\n"
                              "      random_string: 8\nservices:\n  app:\n    image: app\n    environment:\n      - T={{ v }}\n";
        LoadResult r = t.load(s);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->services.at(0).spec.env.at(0), std::string("T=s3cret"));
        // vault-backed values are not printed with the stack's variables
        QVERIFY(!r.stack->variables.get("v"));
        // a missing secret moves on to the next resolver
        t.backend.vault.clear();
        r = t.load(s);
        QCOMPARE(r.stack->services.at(0).spec.env.at(0).size(), std::string("T=").size() + 8);
    }

    void serviceInstancesResolver() {
        TestSetup t;
        t.backend.instances["vars/redis"] = 4;
        t.backend.instances["other/db"] = 2;
        LoadResult r = t.load(stackWith("    type: integer\n    from:\n      service_instances: redis\n"));
        QCOMPARE(text(r), QStringLiteral("4"));
        r = t.load(stackWith("    type: integer\n    from:\n      service_instances: other/db\n"));
        QCOMPARE(text(r), QStringLiteral("2"));
    }

    void serviceLinkResolver() {
        TestSetup t;
        t.backend.link = "infra/lb";
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      service_link:\n        prompt: Pick\n        image: kontena/lb\n"));
        QCOMPARE(text(r), QStringLiteral("infra/lb"));
        QCOMPARE(t.backend.linkQueries.at(0).image, std::string("kontena/lb"));
        QCOMPARE(t.backend.linkQueries.at(0).prompt, std::string("Pick"));
    }

    void certificatesResolvers() {
        TestSetup t;
        t.backend.certs = std::vector<std::string>{"a.com", "b.com"};
        t.backend.vaultCerts = std::vector<std::string>{"SSL_CERT_X"};
        LoadResult r = t.load(stackWith("    type: array\n    from:\n      certificates: Pick\n"));
        QCOMPARE(valueOf(r).items().size(), std::size_t(2));
        r = t.load(stackWith("    type: array\n    from:\n      vault_cert_prompt: Pick\n"));
        QCOMPARE(text(r), QStringLiteral("SSL_CERT_X"));
    }

    void promptResolver() {
        TestSetup t;
        t.backend.answers["v"] = "answered";
        LoadResult r = t.load(stackWith("    type: enum\n    options: [answered, other]\n    default: other\n    from:\n      prompt: Which one?\n"));
        QCOMPARE(text(r), QStringLiteral("answered"));
        const auto& req = t.backend.prompts.at(0);
        QCOMPARE(req.question, std::string("Which one?"));
        QCOMPARE(req.options.size(), std::size_t(2));
        QCOMPARE(req.defaultText.value_or(""), std::string("other"));
        // `from: prompt` (string form) asks with the variable name
        r = t.load(stackWith("    type: string\n    from: prompt\n"));
        QCOMPARE(text(r), QStringLiteral("answered"));
    }

    void unknownResolver() {
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      crystal_ball: x\n"));
        QVERIFY(hasError(r, {"unknown resolver 'crystal_ball'"}));
    }

    // -------------------------------------------------------- setters ----
    void toEnvSetter() {
        TestSetup t;
        t.set("v", "exported");
        const std::string s = "stack: a/b\nvariables:\n  v:\n    type: string\n    to:\n      env: V_ENV\n"
                              "  w:\n    type: string\n    from:\n      env: V_ENV\n"
                              "services:\n  s:\n    image: x\n    environment:\n      - A=$V_ENV\n";
        LoadResult r = t.load(s);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r, "w"), QStringLiteral("exported"));
        QCOMPARE(r.stack->services.at(0).spec.env.at(0), std::string("A=exported"));
    }

    void toVaultSetter() {
        TestSetup t;
        LoadResult r = t.load(stackWith("    type: string\n    from:\n      random_string: 8\n    to:\n      vault: ${STACK}-pw\n"));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->vaultWrites.size(), std::size_t(1));
        QCOMPARE(r.stack->vaultWrites[0].first, std::string("vars-pw"));
        QCOMPARE(r.stack->vaultWrites[0].second.size(), std::size_t(8));
        QVERIFY(t.backend.written.empty());  // validation never writes to the vault
        r = t.load(stackWith("    type: string\n    value: x\n    to:\n      carrier_pigeon: y\n"));
        QVERIFY(hasError(r, {"unknown setter 'carrier_pigeon'"}));
    }

    // ---------------------------------------------------- conditions ----
    void onlyIfSkipIf_data() {
        QTest::addColumn<QString>("condition");
        QTest::addColumn<QString>("flag");
        QTest::addColumn<bool>("present");
        QTest::newRow("only_if name true") << "only_if: flag" << "true" << true;
        QTest::newRow("only_if name false") << "only_if: flag" << "false" << false;
        QTest::newRow("only_if list") << "only_if: [flag, mode]" << "true" << true;
        QTest::newRow("only_if map equal") << "only_if:\n      mode: galera" << "true" << true;
        QTest::newRow("only_if map differs") << "only_if:\n      mode: mysql" << "true" << false;
        QTest::newRow("skip_if true") << "skip_if: flag" << "true" << false;
        QTest::newRow("skip_if false") << "skip_if: flag" << "false" << true;
        QTest::newRow("skip_if any") << "skip_if: [flag, mode]" << "false" << false;
    }
    void onlyIfSkipIf() {
        QFETCH(QString, condition);
        QFETCH(QString, flag);
        QFETCH(bool, present);
        TestSetup t;
        t.set("flag", flag.toStdString());
        t.set("v", "value");
        const std::string s = "stack: a/b\nvariables:\n  flag:\n    type: boolean\n  mode:\n    type: string\n    value: galera\n"
                              "  v:\n    type: string\n    " + condition.toStdString() + "\n"
                              "services:\n  svc:\n    image: x\n    " + condition.toStdString() + "\n"
                              "volumes:\n  vol:\n    external: true\n    " + condition.toStdString() + "\n";
        LoadResult r = t.load(s);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(!valueOf(r).isNil(), present);
        QCOMPARE(r.stack->service("svc") != nullptr, present);
        QCOMPARE(r.stack->volumes.size(), present ? std::size_t(1) : std::size_t(0));
    }

    void skippedVariableIsNotRequired() {
        TestSetup t;
        const std::string s = "stack: a/b\nvariables:\n  flag:\n    type: boolean\n"
                              "  v:\n    type: string\n    only_if: flag\n    from:\n      prompt: Never asked\n"
                              "services:\n  svc:\n    image: x\n";
        LoadResult r = t.load(s);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(t.backend.prompts.empty());
    }

    void cyclicVariables() {
        TestSetup t;
        const std::string s = "stack: a/b\nvariables:\n  a:\n    type: string\n    from:\n      interpolate: ${b}\n"
                              "  b:\n    type: string\n    from:\n      interpolate: ${a}\n"
                              "services:\n  svc:\n    image: x\n";
        LoadResult r = t.load(s);
        QVERIFY(hasError(r, {"cycle"}));
    }

    // --------------------------------------------------- placeholders ----
    void placeholders_data() {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<QString>("expected");
        QTest::newRow("string") << "    type: string\n    from:\n      prompt: x\n" << "placeholder";
        QTest::newRow("string min_length") << "    type: string\n    min_length: 14\n    from:\n      prompt: x\n" << "placeholderxxx";
        QTest::newRow("service_link") << "    type: string\n    from:\n      service_link:\n        name: zookeeper\n"
                                      << "placeholder-stack/zookeeper";
        QTest::newRow("integer min") << "    type: integer\n    min: 3\n    from:\n      prompt: n\n" << "3";
        QTest::newRow("boolean") << "    type: boolean\n    as: string\n    required: true\n" << "false";
        QTest::newRow("enum") << "    type: enum\n    options: [first, second]\n" << "first";
        QTest::newRow("uri") << "    type: uri\n    schemes: [amqp]\n" << "amqp://placeholder.invalid";
        QTest::newRow("array") << "    type: array\n    from:\n      certificates: pick\n" << "";
        QTest::newRow("default wins") << "    type: string\n    default: real\n    from:\n      prompt: p\n" << "real";
    }
    void placeholders() {
        QFETCH(QString, definition);
        QFETCH(QString, expected);
        TestSetup t;
        t.options.placeholders = true;
        LoadResult r = t.load(stackWith(definition.toStdString()));
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(text(r), expected);
    }

    void digestAndBase64() {
        QCOMPARE(kontena::stacks::hexDigest("md5", "").value(), std::string("d41d8cd98f00b204e9800998ecf8427e"));
        QCOMPARE(kontena::stacks::hexDigest("sha256", std::string(1000, 'a')).value(),
                 std::string("41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"));
        QVERIFY(!kontena::stacks::hexDigest("crc", "x"));
        for (const std::string s : {"", "a", "ab", "abc", "abcd"}) {
            QCOMPARE(kontena::stacks::base64Decode(kontena::stacks::base64Encode(s)).value(), s);
        }
    }
};

QTEST_GUILESS_MAIN(TestStacksVariables)
#include "tst_stacks_variables.moc"
