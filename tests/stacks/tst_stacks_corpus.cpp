// The stack library against real stack files: the public stack library and
// Kontena's own test fixtures (../shared/corpus), plus golden renderings.
#include <QFile>
#include <QTest>

#include <set>

#include "stack_test_support.h"
#include "stacks/render.h"

using namespace stacktest;
using kontena::stacks::LoadResult;

namespace {

// Values the fixtures' own tests gave them (Kontena's specs set these
// through the environment or prompts).
const std::map<std::string, std::map<std::string, std::string>>& fixtureValues() {
    static const std::map<std::string, std::map<std::string, std::string>> values = {
        {"cli_stack-with-dependencies-dep-1-1.yml", {{"dep_var", "7"}}},
        {"cli_stack-with-dependencies-dep-2.yml", {{"dep_var", "3"}}},
        {"cli_stack-with-ifs.yml", {{"db", "galera"}, {"GALERA_NODES", "3"}, {"no_wp", "true"}}},
        {"cli_stack-with-prompted-variables.yml",
         {{"enum_test", "Bar"}, {"wp_pass", "secretsecret"}, {"TEST_ENV_VAR", "test"}, {"tag", "4.8"}, {"MYSQL_IMAGE", "mysql:5.7"}}},
        {"cli_stack-with-variables.yml",
         {{"TEST_ENV_VAR", "test"}, {"tag", "4.8"}, {"MYSQL_IMAGE", "mysql:5.7"}}},
        {"e2e_stack_certificates_kontena-lb.yml", {{"certificate", "www.example.com"}}},
        {"e2e_stack_service_link_kontena.yml", {{"lb", "other/redis"}}},
    };
    return values;
}

// Fixtures that are not stack files, or that fail on purpose although their
// names do not say so; each with the error that must be reported.
const std::map<std::string, std::string>& knownRejections() {
    static const std::map<std::string, std::string> r = {
        {"cli_kontena_build_v3.yml", "services.mysql: image is missing"},                 // build-only fixture
        {"cli_stack-with-liquid-undefined.yml", "undefined variable 'asdflol'"},         // strict templates
        {"e2e_app_simple_kontena.yml", "stack: Required field missing"},                 // a `kontena app` file
        {"e2e_stack_keywords_docker-compose-entrypoint.yml", "stack: Required field missing"},  // compose fragment
    };
    return r;
}

bool namedInvalid(const std::string& name) {
    for (const char* word : {"invalid", "malformed", "not-hash", "broken"}) {
        if (name.find(word) != std::string::npos) return true;
    }
    return false;
}

LoadResult loadFixture(const std::string& name, TestSetup& setup, FixtureFiles& files) {
    setup.options.files = &files;
    // Kontena's e2e suite ran on a grid named "e2e"; with a longer grid name
    // the child stack twemproxy-redis_from_yml-monitor breaks the 64-character
    // instance name limit (tested in tst_stacks_names).
    setup.options.grid = "e2e";
    if (auto it = fixtureValues().find(name); it != fixtureValues().end()) {
        for (const auto& [k, v] : it->second) setup.set(k, v);
    }
    if (name == "e2e_stack_depends_monitor_added_redis_stat.yml") setup.options.parent = "redis";
    return kontena::stacks::loadStackFile(fixturesDir() + "/" + name, setup.options);
}

std::string readAll(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().toStdString();
}

}  // namespace

class TestStacksCorpus : public QObject {
    Q_OBJECT

private slots:
    void corpusIsThere() {
        QVERIFY2(ymlFiles(corpusStacksDir()).size() >= 5, corpusStacksDir().c_str());
        QVERIFY2(ymlFiles(fixturesDir()).size() >= 20, fixturesDir().c_str());
    }

    void stackLibraryValidatesWithPlaceholders_data() {
        QTest::addColumn<QString>("file");
        for (const auto& f : ymlFiles(corpusStacksDir())) QTest::newRow(f.c_str()) << QString::fromStdString(f);
    }
    void stackLibraryValidatesWithPlaceholders() {
        QFETCH(QString, file);
        TestSetup setup;
        setup.options.placeholders = true;
        const LoadResult r = kontena::stacks::loadStackFile(corpusStacksDir() + "/" + file.toStdString(), setup.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(!r.stack->services.empty());
        for (const auto& s : r.stack->services) {
            QVERIFY2(s.spec.image.find(':') != std::string::npos, s.spec.image.c_str());
            QCOMPARE(s.spec.stack, r.stack->name);
        }
    }

    // Without placeholders and with nobody to ask, a stack whose variables
    // need prompts fails and names the variable.
    void stackLibraryWithoutValuesNamesTheMissingVariable() {
        TestSetup setup;
        const LoadResult r = kontena::stacks::loadStackFile(corpusStacksDir() + "/wordpress-cluster_kontena.yml", setup.options);
        QVERIFY(!r.ok());
        QVERIFY2(hasError(r, {"wordpress-cluster_kontena.yml:", "variables.loadbalancer", "'loadbalancer'"}), qPrintable(describe(r)));
    }

    void golden_data() {
        QTest::addColumn<QString>("file");
        for (const char* f : {"wordpress-cluster_kontena.yml", "mongodb-replica-set_kontena.yml", "ingress-lb_kontena.yml",
                              "kafka_kontena.yml", "stolon_kontena.yml", "zookeeper_kontena.yml"}) {
            QTest::newRow(f) << QString::fromLatin1(f);
        }
    }
    void golden() {
        QFETCH(QString, file);
        TestSetup setup;
        setup.options.placeholders = true;
        const LoadResult r = kontena::stacks::loadStackFile(corpusStacksDir() + "/" + file.toStdString(), setup.options);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const std::string rendered = kontena::stacks::toYaml(kontena::stacks::stackToValue(*r.stack));
        const std::string goldenPath = dataDir() + "/golden/" + file.toStdString().substr(0, file.size() - 4) + ".yaml";
        if (qEnvironmentVariableIsSet("KONTENA_UPDATE_GOLDEN")) {
            QFile out(QString::fromStdString(goldenPath));
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(rendered.c_str());
        }
        const std::string expected = readAll(goldenPath);
        QVERIFY2(!expected.empty(), goldenPath.c_str());
        QCOMPARE(QString::fromStdString(rendered), QString::fromStdString(expected));
    }

    void validFixturesValidate_data() {
        QTest::addColumn<QString>("file");
        for (const auto& f : ymlFiles(fixturesDir())) {
            if (!namedInvalid(f) && !knownRejections().count(f)) QTest::newRow(f.c_str()) << QString::fromStdString(f);
        }
    }
    void validFixturesValidate() {
        QFETCH(QString, file);
        TestSetup setup;
        FixtureFiles files(file.toStdString());
        const LoadResult r = loadFixture(file.toStdString(), setup, files);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QVERIFY(!r.stack->services.empty());
    }

    void invalidFixturesAreRejected_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        int named = 0;
        for (const auto& f : ymlFiles(fixturesDir())) {
            if (namedInvalid(f)) {
                ++named;
                QTest::newRow(f.c_str()) << QString::fromStdString(f) << QString();
            } else if (auto it = knownRejections().find(f); it != knownRejections().end()) {
                QTest::newRow(f.c_str()) << QString::fromStdString(f) << QString::fromStdString(it->second);
            }
        }
        QVERIFY(named >= 4);
    }
    void invalidFixturesAreRejected() {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        TestSetup setup;
        setup.options.placeholders = true;
        FixtureFiles files(file.toStdString());
        const LoadResult r = loadFixture(file.toStdString(), setup, files);
        QVERIFY2(!r.ok(), qPrintable(file));
        // Every error names the file, and a line:column or a key path.
        bool located = false;
        for (const auto& d : r.diagnostics.items()) {
            if (d.severity != kontena::stacks::Severity::Error) continue;
            QVERIFY2(d.pos.file.find(file.toStdString()) != std::string::npos, d.format().c_str());
            located = located || d.pos.line > 0 || !d.path.empty();
        }
        QVERIFY2(located, qPrintable(describe(r)));
        if (!expected.isEmpty()) QVERIFY2(hasError(r, {expected.toStdString()}), qPrintable(describe(r)));
    }

    // The specific errors of the fixtures named invalid.
    void invalidFixtureMessages_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("malformed") << "cli_kontena-malformed-yaml.yml" << "cli_kontena-malformed-yaml.yml:5:14: invalid YAML";
        QTest::newRow("not-hash") << "cli_kontena-not-hash-service-config.yml"
                                  << "cli_kontena-not-hash-service-config.yml:4:14: services.wordpress: expected a mapping";
        QTest::newRow("invalid") << "cli_stack-invalid.yml" << "stack: Required field missing";
        QTest::newRow("liquid") << "cli_stack-with-invalid-liquid.yml" << "cli_stack-with-invalid-liquid.yml:15:5: template: unknown tag 'forx'";
        QTest::newRow("broken") << "e2e_stack_links_broken.yml" << "services.a.links: service 'nope' is not defined";
        QTest::newRow("simple") << "e2e_stack_simple_invalid.yml" << "e2e_stack_simple_invalid.yml:5:5: services.redis.omg: key not expected";
    }
    void invalidFixtureMessages() {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        TestSetup setup;
        FixtureFiles files(file.toStdString());
        const LoadResult r = loadFixture(file.toStdString(), setup, files);
        QVERIFY2(hasError(r, {expected.toStdString()}), qPrintable(describe(r)));
    }

    // Child stacks of the fixtures: resolved relative to the naming file,
    // named <parent>-<dependency>, recursively.
    void fixtureDependencies() {
        TestSetup setup;
        FixtureFiles files("cli_stack-with-dependencies.yml");
        const LoadResult r = loadFixture("cli_stack-with-dependencies.yml", setup, files);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto& s = *r.stack;
        QCOMPARE(s.dependencies.size(), std::size_t(2));
        QCOMPARE(s.dependencies[0].name, std::string("depstack1-dep_1"));
        QCOMPARE(s.dependencies[0].parent, std::string("depstack1"));
        QCOMPARE(s.dependencies[0].dependencies.at(0).name, std::string("depstack1-dep_1-dep_1"));
        QCOMPARE(s.dependencies[0].dependencies.at(0).services.at(0).spec.image, std::string("image:2"));
        QCOMPARE(s.dependencies[1].services.at(0).spec.image, std::string("image:1"));
        const auto& env = s.services.at(0).spec.env;
        QVERIFY(std::find(env.begin(), env.end(), "TEST=depstack1-dep_1") != env.end());
        QVERIFY(std::find(env.begin(), env.end(), "TEST2=depstack1-dep_2") != env.end());
    }

    void fixtureExtendsAndEnvFile() {
        TestSetup setup;
        FixtureFiles files("cli_stack-with-env-file.yml");
        const LoadResult r = loadFixture("cli_stack-with-env-file.yml", setup, files);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        const auto* wp = r.stack->service("wordpress");
        QVERIFY(wp);
        QCOMPARE(wp->spec.image, std::string("wordpress:4.1"));
        QCOMPARE(wp->spec.instances, 2);
        const auto& env = wp->spec.env;
        // environment beats both the extended file and the env_file
        QVERIFY(std::find(env.begin(), env.end(), "WORDPRESS_DB_PASSWORD=stackname_secret") != env.end());
        QVERIFY(std::find(env.begin(), env.end(), "WORDPRESS_DB_USER=wp") != env.end());
        QVERIFY(std::find(env.begin(), env.end(), "API_KEY=abc123") != env.end());
        QCOMPARE(std::count_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("WORDPRESS_DB_PASSWORD=", 0) == 0; }), 1);
    }

    void fixtureRegistryDependencies() {
        TestSetup setup;
        FixtureFiles files("e2e_stack_depends_kontena.yml");
        const LoadResult r = loadFixture("e2e_stack_depends_kontena.yml", setup, files);
        QVERIFY2(r.ok(), qPrintable(describe(r)));
        QCOMPARE(r.stack->dependencies.size(), std::size_t(2));
        QCOMPARE(r.stack->dependencies[0].name, std::string("twemproxy-redis_from_registry"));
        QCOMPARE(r.stack->dependencies[0].services.at(0).spec.image, std::string("redis:3.2-alpine"));
    }
};

QTEST_GUILESS_MAIN(TestStacksCorpus)
#include "tst_stacks_corpus.moc"
