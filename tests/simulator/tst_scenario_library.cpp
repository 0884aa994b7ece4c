// The scenario library (scenarios/): every file is a valid scenario that
// `kontena-sim check` accepts, says what an operator learns from it and
// checks something; and the loader survives random mutations of them.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTest>
#include <set>

#include <yaml-cpp/yaml.h>

#include "scheduler/random.h"
#include "simulator/scenario.h"

using namespace kontena;
using namespace kontena::sim;

namespace {

QString scenariosDir() { return qEnvironmentVariable("KONTENA_SOURCE_DIR") + QStringLiteral("/scenarios"); }

QStringList scenarioFiles() {
    QStringList out;
    const QDir dir(scenariosDir());
    for (const QString& name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
        out << dir.filePath(name);
    }
    return out;
}

std::string readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().toStdString();
}

// One random edit of the kind that breaks YAML and scenario structure.
std::string mutate(std::string text, Rng& rng) {
    static const std::string alphabet = ":-[]{}&*!|>'\"\n #,?%@`\t0123456789asmhon=/\\";
    if (text.empty()) return std::string(1, alphabet[rng.below(alphabet.size())]);
    const auto pos = static_cast<std::size_t>(rng.below(text.size()));
    switch (rng.below(6)) {
    case 0:  // delete a run of bytes
        text.erase(pos, static_cast<std::size_t>(rng.below(16) + 1));
        break;
    case 1:  // insert a character
        text.insert(pos, 1, alphabet[rng.below(alphabet.size())]);
        break;
    case 2:  // overwrite a byte, sometimes with a non-ASCII or NUL byte
        text[pos] = rng.below(4) == 0 ? static_cast<char>(rng.below(256)) : alphabet[rng.below(alphabet.size())];
        break;
    case 3: {  // duplicate a slice somewhere else
        const auto len = static_cast<std::size_t>(rng.below(80) + 1);
        const std::string slice = text.substr(pos, len);
        text.insert(static_cast<std::size_t>(rng.below(text.size() + 1)), slice);
        break;
    }
    case 4:  // truncate
        text.resize(pos);
        break;
    default: {  // swap two slices' starting bytes (re-indents lines)
        const auto other = static_cast<std::size_t>(rng.below(text.size()));
        std::swap(text[pos], text[other]);
        break;
    }
    }
    return text;
}

// Service names a stack source defines (its `services:` keys).
std::set<std::string> servicesOf(const StackSource& source) {
    YAML::Node doc;
    if (const auto* f = std::get_if<StackFile>(&source)) doc = YAML::LoadFile(f->path.string());
    if (const auto* i = std::get_if<StackInline>(&source)) doc = YAML::Load(i->yaml);
    std::set<std::string> out;
    if (doc["services"].IsMap()) {
        for (const auto& kv : doc["services"]) out.insert(kv.first.Scalar());
    }
    return out;
}

// Every service a scenario's events and checks name.
std::vector<ServiceRef> namedServices(const Scenario& s) {
    std::vector<ServiceRef> out;
    const auto add = [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (requires { x.service.stack; }) out.push_back(x.service);
        if constexpr (requires { x.instance.service; }) out.push_back(x.instance.service);
        if constexpr (std::is_same_v<T, RestartsCheck>) {
            if (const auto* svc = std::get_if<ServiceRef>(&x.target)) out.push_back(*svc);
            if (const auto* inst = std::get_if<InstanceRef>(&x.target)) out.push_back(inst->service);
        }
    };
    for (const auto& e : s.events) std::visit(add, e.action);
    for (const auto& c : s.expect) std::visit(add, c.subject);
    return out;
}

}  // namespace

class TestScenarioLibrary : public QObject {
    Q_OBJECT

private slots:
    void libraryHasAtLeast25Scenarios() {
        QVERIFY2(scenarioFiles().size() >= 25, qPrintable(scenariosDir()));
    }

    void kontenaSimAcceptsEveryScenario_data() {
        QTest::addColumn<QString>("file");
        for (const QString& f : scenarioFiles()) QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
    }
    void kontenaSimAcceptsEveryScenario() {
        QFETCH(QString, file);
        QProcess p;
        p.start(qEnvironmentVariable("KONTENA_SIM"), {QStringLiteral("check"), file});
        QVERIFY(p.waitForFinished(30'000));
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, err.constData());
        QVERIFY(err.isEmpty());
        QVERIFY(p.readAllStandardOutput().contains(": ok: "));
    }

    void everyScenarioSaysWhatItTeachesAndChecksSomething_data() { kontenaSimAcceptsEveryScenario_data(); }
    void everyScenarioSaysWhatItTeachesAndChecksSomething() {
        QFETCH(QString, file);
        const std::string text = readAll(file);
        QVERIFY2(text.rfind("# ", 0) == 0, "the file starts with a header comment");
        QVERIFY2(text.find("\n# What an operator learns:") != std::string::npos, "header has 'What an operator learns:'");
        const auto s = loadScenarioFile(file.toStdString());
        QVERIFY(s.ok());
        QVERIFY2(s.value().expect.size() >= 2, "at least two checks");
        const std::string base = QFileInfo(file).completeBaseName().toStdString();
        QCOMPARE(s.value().name, base);
    }

    // The loader only checks stacks; the library also names real services.
    void everyNamedServiceExistsInItsStack_data() { kontenaSimAcceptsEveryScenario_data(); }
    void everyNamedServiceExistsInItsStack() {
        QFETCH(QString, file);
        const auto loaded = loadScenarioFile(file.toStdString());
        QVERIFY(loaded.ok());
        const Scenario& s = loaded.value();
        std::map<std::string, std::set<std::string>> services;
        for (const auto& [name, stack] : s.stacks) services[name] = servicesOf(stack.source);
        for (const auto& e : s.events) {
            if (const auto* up = std::get_if<Upgrade>(&e.action)) services[up->stack].merge(servicesOf(up->source));
        }
        for (const auto& ref : namedServices(s)) {
            QVERIFY2(services[ref.stack].count(ref.service), ("no service " + ref.key()).c_str());
        }
    }

    void readmeListsEveryScenario() {
        const std::string readme = readAll(scenariosDir() + QStringLiteral("/README.md"));
        QVERIFY(!readme.empty());
        for (const QString& f : scenarioFiles()) {
            const std::string name = QFileInfo(f).fileName().toStdString();
            QVERIFY2(readme.find("`" + name + "`") != std::string::npos, name.c_str());
        }
    }

    // Seeded and bounded: the same mutations every run.
    void mutationsNeverCrashTheLoader() {
        Rng rng(20261124);
        int invalid = 0;
        int loads = 0;
        for (const QString& file : scenarioFiles()) {
            const std::string original = readAll(file);
            for (int round = 0; round < 150; ++round) {
                std::string text = original;
                const auto edits = rng.below(4) + 1;
                for (std::uint64_t i = 0; i < edits; ++i) text = mutate(std::move(text), rng);
                const auto r = loadScenarioText(text, file.toStdString());
                ++loads;
                if (r.ok()) continue;
                ++invalid;
                for (const auto& d : r.error()) {
                    QVERIFY2(d.pos.line >= 1 && d.pos.column >= 1, formatDiagnostic(d).c_str());
                    QVERIFY(!d.message.empty());
                }
            }
        }
        QVERIFY(loads >= 25 * 150);
        QVERIFY2(invalid > loads / 4, "mutations should break most files");
    }
};

QTEST_GUILESS_MAIN(TestScenarioLibrary)
#include "tst_scenario_library.moc"
