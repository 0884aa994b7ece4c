// The pipeline of reference 6.1 end to end: interpolation, YAML anchors,
// extends, child stacks, top-level checks, error reporting and robustness.
#include <QTemporaryDir>
#include <QElapsedTimer>
#include <QTest>

#include <fstream>

#include "stack_test_support.h"
#include "stacks/interpolation.h"
#include "stacks/render.h"

using namespace stacktest;
using kontena::stacks::LoadResult;
using kontena::stacks::Severity;
using kontena::stacks::Value;

namespace {

const kontena::ServiceSpec& firstSpec(const LoadResult& r) { return r.stack->services.at(0).spec; }

bool hasDiagnostic(const LoadResult& r, Severity sev, const std::string& part) {
    for (const auto& d : r.diagnostics.items()) {
        if (d.severity == sev && d.format().find(part) != std::string::npos) return true;
    }
    return false;
}

// Every file a stack names is the same text (what the fuzzer does).
class EchoFiles : public kontena::stacks::FileSource {
public:
    explicit EchoFiles(std::string text) : text_(std::move(text)) {}
    std::optional<std::string> read(const std::string&) override { return text_; }

private:
    std::string text_;
};

void writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
    std::ofstream(dir.path().toStdString() + "/" + name) << text;
}

}  // namespace

class TestStacksPipeline : public QObject {
    Q_OBJECT

private slots:
    // Found by the fuzzer: three children whose paths grow at every level
    // escape cycle detection; 16 levels of that was 43 million stacks.
    void childStacksAreBoundedInNumberNotOnlyDepth() {
        const std::string text =
            "stack: user/fan\nversion: 0.0.1\ndepends:\n  a:\n    stack: a/x.yml\n  b:\n    stack: b/y.yml\n  c:\n    stack: c/z.yml\n"
            "services:\n  app:\n    image: busybox:1\n";
        EchoFiles files(text);
        kontena::stacks::LoadOptions options;
        options.files = &files;
        QElapsedTimer t;
        t.start();
        const LoadResult r = kontena::stacks::loadStackText(text, "fan.yml", options);
        QVERIFY2(t.elapsed() < 10000, "loading took too long");
        QVERIFY(!r.ok());
        QVERIFY(hasDiagnostic(r, Severity::Error, "more than 256 child stacks"));
    }

private slots:
    // ------------------------------------------------- interpolation ----
    void interpolation() {
        TestSetup t;
        t.set("tag", "3.2");
        LoadResult r = t.load("stack: me/app\nvariables:\n  tag:\n    type: string\nservices:\n  web:\n    image: redis:$tag\n"
                              "    environment:\n      - A=${tag}\n      - B=$${NOT_ME}\n      - C=$$tag\n      - D=${STACK}.${GRID}.${PLATFORM}\n"
                              "      - E=$(hostname) $ 5\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(firstSpec(r).image, std::string("redis:3.2"));
        QCOMPARE(firstSpec(r).env, (std::vector<std::string>{"A=3.2", "B=${NOT_ME}", "C=$tag", "D=app.test-grid.test-grid",
                                                             "E=$(hostname) $ 5"}));
    }

    // Lines removed or repeated by the template do not shift positions.
    void positionsAfterTemplates() {
        TestSetup t;
        const std::string text =
            "stack: me/app\nvariables:\n  on:\n    type: boolean\nservices:\n"
            "  # {% if on %}\n  a:\n    image: x\n  # {% endif %}\n"
            "  # {% for i in (1..3) %}\n  # {{ i }}\n  # {% endfor %}\n"
            "  b:\n    image: y\n    instances: many\n    environment:\n      - A=$nope\n";
        LoadResult r = t.load(text);
        QVERIFY2(hasError(r, {"test.yml:17:11: Undeclared variable 'nope' in test.yml:17"}), qPrintable(describe(r)));
        r = t.load(text.substr(0, text.find("    environment")));
        QVERIFY2(hasError(r, {"test.yml:15:16: services.b.instances: expected an integer"}), qPrintable(describe(r)));
    }

    void undeclaredVariable() {
        TestSetup t;
        LoadResult r = t.load("stack: me/app\nservices:\n  web:\n    image: redis\n    environment:\n      - A=${NOPE}\n");
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {"test.yml:6:11: Undeclared variable 'NOPE' in test.yml:6"}), qPrintable(describe(r)));
    }

    void emptyValueWarns() {
        TestSetup t;
        LoadResult r = t.load("stack: me/app\nvariables:\n  x:\n    type: string\n    required: false\n"
                              "services:\n  web:\n    image: redis\n    environment:\n      - A=${x}\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(hasDiagnostic(r, Severity::Warning, "Value for x is not set. Substituting with an empty string."));
        QCOMPARE(firstSpec(r).env.at(0), std::string("A="));
    }

    void multilineValuesStayOneScalar() {
        TestSetup t;
        t.set("motd", "line 1\nline \"2\"");
        LoadResult r = t.load("stack: me/app\nvariables:\n  motd:\n    type: string\nservices:\n  web:\n    image: redis\n"
                              "    environment:\n      MOTD: $motd\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(firstSpec(r).env.at(0), std::string("MOTD=line 1\nline \"2\""));
    }

    void resolverLinesAreNotInterpolated() {
        auto r = kontena::stacks::interpolateVariables("  - interpolate: ${a}\n    evaluate: ${b} * 2\nx: ${a}\n",
                                                       [](const std::string& n) -> const Value* {
                                                           static const Value v = Value::string("A");
                                                           return n == "a" ? &v : nullptr;
                                                       });
        QVERIFY(r.errors.empty());
        QCOMPARE(r.text, std::string("  - interpolate: ${a}\n    evaluate: ${b} * 2\nx: A\n"));
    }

    void templateThenInterpolation() {
        TestSetup t;
        t.set("n", "2");
        LoadResult r = t.load("stack: me/app\nvariables:\n  n:\n    type: integer\nservices:\n"
                              "  # {% for i in (1..n) %}\n  web-{{ i }}:\n    image: redis\n    instances: ${n}\n  # {% endfor %}\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->services.size(), std::size_t(2));
        QCOMPARE(r.stack->services[1].spec.name, std::string("web-2"));
        QCOMPARE(r.stack->services[1].spec.instances, 2);
    }

    // ------------------------------------------------------------ YAML ----
    void anchorsAndAliases() {
        TestSetup t;
        LoadResult r = t.load("stack: me/app\ndata:\n  common: &common\n    image: redis\n    instances: 2\n  env: &env\n    - A=1\n"
                              "services:\n  a:\n    <<: *common\n    environment: *env\n  b:\n    <<: *common\n    instances: 5\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->services[0].spec.instances, 2);
        QCOMPARE(r.stack->services[0].spec.env.at(0), std::string("A=1"));
        QCOMPARE(r.stack->services[1].spec.instances, 5);  // explicit keys beat merged ones
        QCOMPARE(r.stack->services[1].spec.image, std::string("redis:latest"));
    }

    void yamlSyntaxErrorHasPosition() {
        TestSetup t;
        LoadResult r = t.load("stack: me/app\nservices:\n  web:\n    image: [unclosed\n");
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {"test.yml:", "invalid YAML"}), qPrintable(describe(r)));
        QVERIFY(r.diagnostics.items().front().pos.line > 0);
    }

    // --------------------------------------------------------- extends ----
    void extendsInFile() {
        TestSetup t;
        LoadResult r = t.load("stack: me/app\nservices:\n  base:\n    image: base\n    instances: 2\n    environment:\n      - A=1\n      - B=2\n"
                              "    secrets:\n      - {secret: s1, name: S, type: env}\n"
                              "  mid:\n    extends: base\n    environment:\n      B: 3\n"
                              "  top:\n    extends: mid\n    image: top\n    secrets:\n      - {secret: s2, name: S, type: env}\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto* top = r.stack->service("top");
        QCOMPARE(top->spec.image, std::string("top:latest"));
        QCOMPARE(top->spec.instances, 2);
        QCOMPARE(top->spec.env, (std::vector<std::string>{"B=3", "A=1"}));
        QCOMPARE(top->spec.secrets.size(), std::size_t(1));
        QCOMPARE(top->spec.secrets[0].secret, std::string("s2"));
    }

    void extendsErrors() {
        TestSetup t;
        LoadResult r = t.load("stack: me/app\nservices:\n  a:\n    extends: b\n  b:\n    extends: a\n    image: x\n");
        QVERIFY2(hasError(r, {"services.", "extends chain loops"}), qPrintable(describe(r)));
        r = t.load("stack: me/app\nservices:\n  a:\n    extends: ghost\n    image: x\n");
        QVERIFY2(hasError(r, {"services.a.extends: service 'ghost' not found"}), qPrintable(describe(r)));
        r = t.load("stack: me/app\nservices:\n  a:\n    extends:\n      file: missing.yml\n      service: x\n    image: x\n");
        QVERIFY2(hasError(r, {"cannot read extended file 'missing.yml'"}), qPrintable(describe(r)));
        r = t.load("stack: me/app\nservices:\n  a:\n    extends:\n      stack: nobody/nothing\n      service: x\n    image: x\n");
        QVERIFY2(hasError(r, {"cannot fetch extended stack 'nobody/nothing'"}), qPrintable(describe(r)));
    }

    void extendsOtherFileRelativeToNamingFile() {
        QTemporaryDir dir;
        writeFile(dir, "base.yml", "version: '2'\nservices:\n  db:\n    image: postgres:${ver}\n    environment:\n      - X=1\n");
        writeFile(dir, "stack.yml", "stack: me/app\nvariables:\n  ver:\n    type: string\n    value: '9.6'\n"
                                    "services:\n  db:\n    extends:\n      file: base.yml\n      service: db\n    env_file: env.list\n");
        writeFile(dir, "env.list", "X=from-file\nY=2\n");
        TestSetup t;
        LoadResult r = kontena::stacks::loadStackFile(dir.path().toStdString() + "/stack.yml", t.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(firstSpec(r).image, std::string("postgres:9.6"));
        QCOMPARE(firstSpec(r).env, (std::vector<std::string>{"X=1", "Y=2"}));
    }

    void envFileList() {
        QTemporaryDir dir;
        writeFile(dir, "a.env", "A=1\n");
        writeFile(dir, "b.env", "A=2\nB=2\n");
        writeFile(dir, "stack.yml", "stack: me/app\nservices:\n  s:\n    image: x\n    env_file: [a.env, b.env]\n");
        TestSetup t;
        LoadResult r = kontena::stacks::loadStackFile(dir.path().toStdString() + "/stack.yml", t.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(firstSpec(r).env, (std::vector<std::string>{"A=1", "B=2"}));
        writeFile(dir, "bad.yml", "stack: me/app\nservices:\n  s:\n    image: x\n    env_file: nope.env\n");
        r = kontena::stacks::loadStackFile(dir.path().toStdString() + "/bad.yml", t.options);
        QVERIFY(hasError(r, {"services.s.env_file: cannot read env_file 'nope.env'"}));
    }

    // ---------------------------------------------------- child stacks ----
    void childStacks() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("sub")));
        writeFile(dir, "parent.yml", "stack: me/shop\nvariables:\n  n:\n    type: integer\n    value: 2\n"
                                     "depends:\n  cache:\n    stack: sub/cache.yml\n    variables:\n      size: ${n}\n"
                                     "services:\n  web:\n    image: web\n    environment:\n      - CACHE=${cache}\n      - C2={{ cache }}\n");
        writeFile(dir, "sub/cache.yml", "stack: me/cache\nvariables:\n  size:\n    type: integer\n  label:\n    type: string\n"
                                        "depends:\n  mon:\n    stack: mon.yml\n"
                                        "services:\n  redis:\n    image: redis\n    instances: ${size}\n    environment:\n      - P=${PARENT_STACK}\n      - L=${label}\n");
        writeFile(dir, "sub/mon.yml", "stack: me/mon\nservices:\n  mon:\n    image: mon\n    command: --server redis.${PARENT_STACK}\n");
        TestSetup t;
        t.set("cache.label", "hot");
        LoadResult r = kontena::stacks::loadStackFile(dir.path().toStdString() + "/parent.yml", t.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(firstSpec(r).env, (std::vector<std::string>{"CACHE=shop-cache", "C2=shop-cache"}));
        const auto& cache = r.stack->dependencies.at(0);
        QCOMPARE(cache.name, std::string("shop-cache"));
        QCOMPARE(cache.services.at(0).spec.instances, 2);
        QCOMPARE(cache.services.at(0).spec.stack, std::string("shop-cache"));
        QCOMPARE(cache.services.at(0).spec.env, (std::vector<std::string>{"P=shop", "L=hot"}));
        const auto& mon = cache.dependencies.at(0);
        QCOMPARE(mon.name, std::string("shop-cache-mon"));
        QCOMPARE(mon.services.at(0).spec.cmd.at(1), std::string("redis.shop-cache"));
        QCOMPARE(r.stack->dependencyNames.at(0), std::string("cache"));
    }

    // Errors in the parent do not hide the child's, and vice versa.
    void childAndParentErrorsBothReported() {
        QTemporaryDir dir;
        writeFile(dir, "p.yml", "stack: me/p\ndepends:\n  c:\n    stack: c.yml\nservices:\n  s:\n    image: x\n    instances: lots\n");
        writeFile(dir, "c.yml", "stack: me/c\nvariables:\n  n:\n    type: integer\n    value: 1\nservices:\n  t:\n    image: y\n    ports: [80]\n");
        TestSetup t;
        LoadResult r = kontena::stacks::loadStackFile(dir.path().toStdString() + "/p.yml", t.options);
        QVERIFY2(hasError(r, {"p.yml:8:16: services.s.instances"}), qPrintable(describe(r)));
        QVERIFY2(hasError(r, {"c.yml:9:13: services.t.ports[0]"}), qPrintable(describe(r)));
    }

    void childStackCycle() {
        QTemporaryDir dir;
        writeFile(dir, "a.yml", "stack: me/a\ndepends:\n  b:\n    stack: b.yml\nservices:\n  s:\n    image: x\n");
        writeFile(dir, "b.yml", "stack: me/b\ndepends:\n  a:\n    stack: ./a.yml\nservices:\n  s:\n    image: x\n");
        TestSetup t;
        LoadResult r = kontena::stacks::loadStackFile(dir.path().toStdString() + "/a.yml", t.options);
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {"depends.a.stack: dependency cycle:", "a.yml -> ", "b.yml -> ", "a.yml"}), qPrintable(describe(r)));
    }

    void childStackProblems() {
        TestSetup t;
        LoadResult r = t.load("stack: me/a\ndepends:\n  gone:\n    stack: gone.yml\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"depends.gone.stack: cannot read stack file 'gone.yml'"}));
        r = t.load("stack: me/a\ndepends:\n  reg:\n    stack: someone/thing:1.0\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"cannot fetch stack 'someone/thing:1.0' from the registry"}));
        r = t.load("stack: me/a\ndepends:\n  s:\n    stack: kontena/redis\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"depends.s: a dependency cannot have the name of a service"}));
        r = t.load("stack: me/a\ndepends:\n  bad: text\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"depends.bad: expected {stack:"}));
    }

    // ------------------------------------------------------ top level ----
    void topLevelChecks() {
        TestSetup t;
        LoadResult r = t.load("version: 1\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"stack: Required field missing"}));
        r = t.load("stack: me/a\nexpose: nope\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"expose: nope is not defined in the services array"}));
        r = t.load("stack: me/a\nlabels: [Bad]\nservices:\n  s:\n    image: x\n");
        QVERIFY(hasError(r, {"labels[0]: expected a label like fqdn=about.me"}));
        r = t.load("stack: me/a\n");
        QVERIFY(hasError(r, {"neither services nor volumes"}));
        r = t.load("stack: me/A_b\nversion: one\nnetworks: {}\nfoo: bar\nservices:\n  s:\n    image: x\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));  // notifications only
        QVERIFY(hasDiagnostic(r, Severity::Notice, "networks: networks are not supported"));
        QVERIFY(hasDiagnostic(r, Severity::Notice, "foo: unknown top-level key"));
        QVERIFY(hasDiagnostic(r, Severity::Notice, "stack: stack name should only contain"));
        QVERIFY(hasDiagnostic(r, Severity::Notice, "version: expected a semantic version"));
        r = t.load("stack: me/a:1.2.3\nversion: 1.2.3\nexpose: s\nlabels: [fqdn=a.b]\nservices:\n  s:\n    image: x\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->name, std::string("a"));
        QCOMPARE(r.stack->expose, std::string("s"));
        QCOMPARE(r.stack->labels.at(0), std::string("fqdn=a.b"));
    }

    void flowStyleDocument() {
        TestSetup t;
        LoadResult r = t.load("{stack: me/flow, variables: {v: {type: string, value: x}}, services: {s: {image: 'i:${v}'}}}\n");
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->name, std::string("flow"));
        QCOMPARE(firstSpec(r).image, std::string("i:x"));
    }

    void nameOption() {
        TestSetup t;
        t.options.name = "custom";
        LoadResult r = t.load("stack: me/a\nservices:\n  s:\n    image: x\n    environment:\n      - S=${STACK}\n");
        QCOMPARE(r.stack->name, std::string("custom"));
        QCOMPARE(firstSpec(r).stack, std::string("custom"));
        QCOMPARE(firstSpec(r).env.at(0), std::string("S=custom"));
    }

    void instanceNameLimit() {
        TestSetup t;
        t.options.grid = "test-grid";
        const std::string name(38, 'a');
        t.options.name = "null";  // the null stack, as in the reference's example
        LoadResult ok = t.load("stack: me/x\nservices:\n  " + name + ":\n    image: x\n    instances: 9\n");
        QVERIFY2(ok.ok(), qPrintable(describe(ok)));
        LoadResult bad = t.load("stack: me/x\nservices:\n  " + name + ":\n    image: x\n    instances: 10\n");
        QVERIFY2(hasError(bad, {"instances: Total grid service name length 65 is over limit (64)"}), qPrintable(describe(bad)));
    }

    void errorsAcrossTheFile() {
        TestSetup t;
        LoadResult r = t.load("stack: me/a\nservices:\n  a:\n    image: x\n    instances: many\n  b:\n    ports: [1]\n  c: text\n");
        QCOMPARE(r.diagnostics.errorCount(), std::size_t(4));  // instances, ports, b's image, c
        QVERIFY(r.stack.has_value());
    }

    void renderingFormats() {
        TestSetup t;
        LoadResult r = t.load("stack: me/a\nservices:\n  s:\n    image: x\n    environment:\n      - 'Q=\"quoted\"'\n      - N=007\n");
        const Value v = kontena::stacks::stackToValue(*r.stack);
        const std::string json = kontena::stacks::toJson(v);
        QVERIFY(json.find("\"Q=\\\"quoted\\\"\"") != std::string::npos);
        QVERIFY(json.find("\"image\": \"x:latest\"") != std::string::npos);
        const std::string yaml = kontena::stacks::toYaml(v);
        QVERIFY(yaml.find("image: x:latest") != std::string::npos);
        QVERIFY(yaml.find("stateful: false") != std::string::npos);
    }

    // Hostile input ends with errors, never a crash or a hang.
    void hostileInput_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("scalar") << "just text";
        QTest::newRow("list") << "- a\n- b\n";
        QTest::newRow("deep flow") << QString(QStringLiteral("[")).repeated(5000);
        QTest::newRow("deep block") << [] {
            QString s = QStringLiteral("stack: a/b\nservices:\n");
            for (int i = 0; i < 300; ++i) s += QString(i * 2 + 2, QLatin1Char(' ')) + QStringLiteral("k%1:\n").arg(i);
            return s;
        }();
        QTest::newRow("alias bomb") << "stack: a/b\nx0: &a0 [x, x, x, x, x, x, x, x]\nx1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
                                       "x2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\nx3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n"
                                       "x4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\nx5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]\n"
                                       "meta: [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]\nservices:\n  s:\n    image: x\n    environment: *a5\n";
        QTest::newRow("self merge") << "stack: a/b\nservices: &s\n  s:\n    <<: *s\n    image: x\n";
        QTest::newRow("bad merge") << "stack: a/b\nservices:\n  s:\n    <<: 5\n    image: x\n";
        QTest::newRow("template loop") << "stack: a/b\n{% for i in (1..99999) %}{% for j in (1..99999) %}{% endfor %}{% endfor %}";
        QTest::newRow("binary") << QString::fromLatin1("stack: \x01\x02\xff\xfe\n\t\x00services:");
        QTest::newRow("variables not a map") << "stack: a/b\nvariables: [1, 2]\nservices:\n  s:\n    image: x\n";
        QTest::newRow("from list") << "stack: a/b\nvariables:\n  v:\n    from: [env]\nservices:\n  s:\n    image: x\n";
        QTest::newRow("huge random") << "stack: a/b\nvariables:\n  v:\n    from:\n      random_string: 99999999999\nservices:\n  s:\n    image: x\n";
        QTest::newRow("huge number") << "stack: a/b\nservices:\n  s:\n    image: x\n    instances: 99999999999999999999999\n    mem_limit: 99999999999999999g\n";
    }
    void hostileInput() {
        QFETCH(QString, text);
        TestSetup t;
        LoadResult r = t.load(text.toStdString());
        QVERIFY(!r.ok() || r.stack.has_value());
        QVERIFY(r.diagnostics.items().size() < 10000);
    }
};

QTEST_GUILESS_MAIN(TestStacksPipeline)
#include "tst_stacks_pipeline.moc"
