// kontena-fidelity: runs scenario files on real hosts on this machine and
// says whether they agree with the simulator (issue 20). Each scenario runs
// in a child process of its own (a master, one agent and one private
// dockerd per scenario node), several at once: the runs mostly wait for
// scaled timers, so a 2-core machine holds four of them without their
// timing drifting out of the scenarios' tolerance.
//
//   kontena-fidelity run FILE... [--jobs N] [--retries N] [--table FILE] [--keep DIR] [--pictures DIR] [--reports DIR] [--time-scale F]
//   kontena-fidelity one FILE [--result FILE.json] [--keep DIR] [--picture FILE.svg] [--time-scale F]
//
// `--time-scale F` runs at F instead of each scenario's `real.time_scale`.
// `--reports DIR` keeps each run's report (DIR/NAME.json: both stories,
// the differences, the picture), which `kontena-admin --real-run FILE`
// (or "Open real run…") shows beside the simulated run.
// `--retries N` runs a scenario that disagreed again, up to N more times:
// on a shared machine a run can be late for reasons of its own (the table
// says "agreed on retry" and what the first run saw).
//
// `run` prints a line per scenario as it ends and a table at the end
// (scenario, seconds, agreed / skipped: why / the first difference), then
// every difference; exit status 0 when every scenario that ran agreed, 1
// when one disagreed or failed, 2 on a bad command line or file. `one` is
// what each child runs. Needs root (private dockerds); the master and agent
// programs are the ones beside this one unless KONTENA_MASTER_BIN and
// KONTENA_AGENT_BIN name others.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <deque>
#include <optional>

#include "tests/fidelity/fidelity.h"

using namespace kontena;
using namespace kontena::fidelity;

namespace {

struct Options {
    QString command;
    QStringList files;
    int jobs = 1;
    int retries = 0;
    QString table, keep, pictures, picture, result, reports;
    QString timeScale;   // "" : each scenario's own
};

void usage(FILE* to) {
    std::fputs("usage:\n"
               "  kontena-fidelity run FILE... [--jobs N] [--retries N] [--table FILE] [--keep DIR] [--pictures DIR] [--reports DIR] [--time-scale F]\n"
               "  kontena-fidelity one FILE [--result FILE.json] [--keep DIR] [--picture FILE.svg] [--time-scale F]\n"
               "runs each scenario in the simulator and on a real master with real agents on private\n"
               "dockerds (needs root), at the scenario's `real: {time_scale, tolerance}`, and compares\n"
               "the two stories. exit status: 0 all agreed, 1 one disagreed or failed, 2 bad input\n",
               to);
}

std::optional<Options> parse(const QStringList& args) {
    Options o;
    if (args.size() < 2) return std::nullopt;
    o.command = args.at(1);
    if (o.command != QLatin1String("run") && o.command != QLatin1String("one")) return std::nullopt;
    for (qsizetype i = 2; i < args.size(); ++i) {
        const QString& a = args.at(i);
        auto value = [&](QString& into) {
            if (i + 1 >= args.size()) return false;
            into = args.at(++i);
            return true;
        };
        bool ok = true;
        if (a == QLatin1String("--jobs")) {
            QString n;
            ok = value(n);
            o.jobs = n.toInt(&ok);
            ok = ok && o.jobs >= 1 && o.jobs <= 16;
        } else if (a == QLatin1String("--retries")) {
            QString n;
            ok = value(n);
            o.retries = n.toInt(&ok);
            ok = ok && o.retries >= 0 && o.retries <= 5;
        } else if (a == QLatin1String("--time-scale")) {
            ok = value(o.timeScale);
            const double f = o.timeScale.toDouble(&ok);
            ok = ok && f >= 0.001 && f <= 1.0;
        } else if (a == QLatin1String("--table")) ok = value(o.table);
        else if (a == QLatin1String("--keep")) ok = value(o.keep);
        else if (a == QLatin1String("--pictures")) ok = value(o.pictures);
        else if (a == QLatin1String("--reports")) ok = value(o.reports);
        else if (a == QLatin1String("--picture")) ok = value(o.picture);
        else if (a == QLatin1String("--result")) ok = value(o.result);
        else if (a.startsWith(QLatin1String("--"))) ok = false;
        else o.files << a;
        if (!ok) {
            std::fprintf(stderr, "kontena-fidelity: bad option %s\n", qPrintable(a));
            return std::nullopt;
        }
    }
    if (o.files.isEmpty() || (o.command == QLatin1String("one") && o.files.size() != 1)) return std::nullopt;
    return o;
}

std::optional<sim::Scenario> load(const QString& file, const QString& timeScale = {}) {
    auto r = sim::loadScenarioFile(file.toStdString());
    if (!r) {
        for (const auto& d : r.error()) std::fprintf(stderr, "%s\n", sim::formatDiagnostic(d).c_str());
        return std::nullopt;
    }
    sim::Scenario s = std::move(r).value();
    if (!timeScale.isEmpty()) {
        sim::RealRunOptions opt = s.real.value_or(sim::RealRunOptions{});
        opt.timeScale = timeScale.toDouble();
        s.real = opt;
    }
    return s;
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// ------------------------------------------------------------------- one

int runOne(const Options& o) {
    const auto original = load(o.files.first(), o.timeScale);
    if (!original) return 2;
    QJsonObject result{{QStringLiteral("scenario"), QString::fromStdString(original->name)}, {QStringLiteral("file"), o.files.first()}};
    QElapsedTimer t;
    t.start();
    int status = 0;
    if (const std::string why = unsupportedOnRealHosts(*original); !why.empty()) {
        result.insert(QStringLiteral("skipped"), QString::fromStdString(why));
        std::printf("%s: skipped: %s\n", original->name.c_str(), why.c_str());
    } else {
        const sim::RealRunOptions opt = original->real.value_or(sim::RealRunOptions{});
        const sim::Scenario s = sim::realHostScenario(*original);
        const Story simulated = simulatedStory(s, s.seed, opt.tolerance);
        QTemporaryDir scratch;
        const QString dir = o.keep.isEmpty() ? scratch.path() : o.keep;
        const Story real = realStory(s, opt.timeScale, simulated, opt.tolerance, dir);
        const std::string diff = compareStories(simulated, real);
        QJsonArray lines;
        for (const QString& l : QString::fromStdString(diff).split(u'\n', Qt::SkipEmptyParts)) lines.append(l);
        result.insert(QStringLiteral("agreed"), diff.empty());
        result.insert(QStringLiteral("differences"), lines);
        // The report kontena-admin opens beside the simulated run.
        result.insert(QStringLiteral("file"), QFileInfo(o.files.first()).absoluteFilePath());
        result.insert(QStringLiteral("seed"), double(s.seed));
        result.insert(QStringLiteral("time_scale"), opt.timeScale);
        result.insert(QStringLiteral("tolerance_ms"), double(opt.tolerance.ms));
        result.insert(QStringLiteral("simulated"), storyJson(simulated));
        result.insert(QStringLiteral("real"), storyJson(real));
        result.insert(QStringLiteral("picture"), QString::fromStdString(storiesSvg(s.name, simulated, real)));
        if (!o.picture.isEmpty() && !writeFile(o.picture, QByteArray::fromStdString(storiesSvg(s.name, simulated, real))))
            std::fprintf(stderr, "kontena-fidelity: cannot write %s\n", qPrintable(o.picture));
        std::printf("%s: %s\n%s", original->name.c_str(), diff.empty() ? "agreed" : "disagreed", diff.c_str());
        status = diff.empty() ? 0 : 1;
    }
    result.insert(QStringLiteral("seconds"), double(t.elapsed()) / 1000.0);
    if (!o.result.isEmpty() && !writeFile(o.result, QJsonDocument(result).toJson())) return 1;
    return status;
}

// ------------------------------------------------------------------- run

struct Job {
    QString file, name;
    qint64 estimateMs = 0;   // longest first: the pool ends sooner
    QJsonObject result;
    QString log;
    int attempt = 0;
    QString firstDifference;   // of the first run, when a retry agreed
};

// Roughly how long a scenario takes on real hosts: its last check in
// scaled time plus the start of one dockerd and agent per node.
qint64 estimate(const sim::Scenario& s) {
    const sim::RealRunOptions opt = s.real.value_or(sim::RealRunOptions{});
    const std::vector<Instant> times = observationTimes(sim::scaledScenario(s, opt.timeScale));
    return (times.empty() ? 0 : times.back().ms) + qint64(s.nodes.size()) * 3000;
}

class Pool {
public:
    Pool(const Options& o, std::vector<Job> jobs) : o_(o), queue_(jobs.begin(), jobs.end()) {}

    std::vector<Job> runAll() {
        while (!queue_.empty() || !running_.empty()) {
            // One start at a time, kStagger apart: runs that start together
            // deploy together, and their container starts would compete.
            while (!queue_.empty() && int(running_.size()) < o_.jobs && (!lastStart_.isValid() || lastStart_.elapsed() >= kStaggerMs)) {
                start();
                lastStart_.start();
            }
            reapOne();
        }
        return std::move(done_);
    }

private:
    struct Child {
        Job job;
        std::unique_ptr<QProcess> process;
        QString resultFile, logFile, reportCopy;
        QElapsedTimer clock;
    };

    void start() {
        Child c{std::move(queue_.front()), std::make_unique<QProcess>(), {}, {}, {}, {}};
        queue_.pop_front();
        const QString run = c.job.attempt ? c.job.name + QStringLiteral(".retry%1").arg(c.job.attempt) : c.job.name;
        c.resultFile = dir_.filePath(run + QStringLiteral(".json"));
        QStringList args{QStringLiteral("one"), c.job.file, QStringLiteral("--result"), c.resultFile};
        if (!o_.keep.isEmpty()) args << QStringLiteral("--keep") << QDir(o_.keep).filePath(run);
        if (!o_.timeScale.isEmpty()) args << QStringLiteral("--time-scale") << o_.timeScale;
        if (!o_.reports.isEmpty()) c.reportCopy = QDir(o_.reports).filePath(run + QStringLiteral(".json"));
        if (!o_.pictures.isEmpty()) args << QStringLiteral("--picture") << QDir(o_.pictures).filePath(run + QStringLiteral(".svg"));
        c.process->setProcessChannelMode(QProcess::MergedChannels);
        c.logFile = dir_.filePath(run + QStringLiteral(".log"));
        c.process->setStandardOutputFile(c.logFile);
        // Its own process group, so that a child past its time is stopped
        // with its master and agents; it ends with us.
        c.process->setChildProcessModifier([] {
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        });
        c.process->start(QCoreApplication::applicationFilePath(), args);
        c.clock.start();
        running_.push_back(std::move(c));
    }

    // Waits until a child ends (or runs far past its estimate) and collects
    // it, or until the next child may start.
    void reapOne() {
        for (;;) {
            if (running_.empty()) ::usleep(20'000);
            if (!queue_.empty() && int(running_.size()) < o_.jobs && lastStart_.elapsed() >= kStaggerMs) return;
            for (auto it = running_.begin(); it != running_.end(); ++it) {
                const bool late = it->clock.elapsed() > 3 * it->job.estimateMs + 180'000;
                if (it->process->state() != QProcess::NotRunning && !it->process->waitForFinished(late ? 0 : 20)) {
                    if (!late) continue;
                    ::kill(-pid_t(it->process->processId()), SIGKILL);
                    it->process->waitForFinished(10'000);
                }
                collect(*it, late);
                running_.erase(it);
                return;
            }
        }
    }

    void collect(Child& c, bool late) {
        QFile f(c.resultFile);
        if (f.open(QIODevice::ReadOnly)) c.job.result = QJsonDocument::fromJson(f.readAll()).object();
        if (!c.reportCopy.isEmpty()) QFile::copy(c.resultFile, c.reportCopy);
        QFile log(c.logFile);
        if (log.open(QIODevice::ReadOnly)) c.job.log = QString::fromUtf8(log.readAll());
        if (c.job.result.isEmpty()) {
            const QString why = late ? QStringLiteral("stopped: ran over its time") : QStringLiteral("the run ended without a result (exit %1)").arg(c.process->exitCode());
            c.job.result = {{QStringLiteral("scenario"), c.job.name}, {QStringLiteral("agreed"), false},
                            {QStringLiteral("differences"), QJsonArray{why}}, {QStringLiteral("seconds"), double(c.clock.elapsed()) / 1000.0}};
        }
        std::printf("%s\n", qPrintable(summary(c.job.result)));
        std::fflush(stdout);
        const bool disagreed = !c.job.result.value(QStringLiteral("agreed")).toBool() && !c.job.result.contains(QStringLiteral("skipped"));
        if (disagreed && c.job.attempt < o_.retries) {
            if (c.job.firstDifference.isEmpty()) c.job.firstDifference = summary(c.job.result).section(u'\t', 2);
            ++c.job.attempt;
            c.job.result = {};
            queue_.push_back(std::move(c.job));
            return;
        }
        if (!disagreed && !c.job.firstDifference.isEmpty())
            c.job.result.insert(QStringLiteral("first_run"), c.job.firstDifference);
        done_.push_back(std::move(c.job));
    }

public:
    // "name<TAB>seconds s<TAB>agreed | skipped: why | first difference"
    static QString summary(const QJsonObject& r) {
        QString what = QStringLiteral("agreed");
        if (r.contains(QStringLiteral("first_run"))) what = QStringLiteral("agreed on retry (first run: %1)").arg(r.value(QStringLiteral("first_run")).toString());
        if (r.contains(QStringLiteral("skipped"))) what = QStringLiteral("skipped: ") + r.value(QStringLiteral("skipped")).toString();
        else if (!r.value(QStringLiteral("agreed")).toBool()) what = r.value(QStringLiteral("differences")).toArray().first().toString();
        return QStringLiteral("%1\t%2 s\t%3").arg(r.value(QStringLiteral("scenario")).toString()).arg(r.value(QStringLiteral("seconds")).toDouble(), 0, 'f', 1).arg(what);
    }

private:
    static constexpr qint64 kStaggerMs = 12'000;
    const Options& o_;
    QElapsedTimer lastStart_;
    std::deque<Job> queue_;
    std::vector<Child> running_;
    std::vector<Job> done_;
    QTemporaryDir dir_;
};

int runMany(const Options& o) {
    std::vector<Job> jobs;
    for (const QString& file : o.files) {
        const auto s = load(file, o.timeScale);
        if (!s) return 2;
        jobs.push_back({file, QString::fromStdString(s->name), estimate(*s), {}, {}, 0, {}});
    }
    std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.estimateMs > b.estimateMs; });
    for (const QString& d : {o.keep, o.pictures, o.reports})
        if (!d.isEmpty()) QDir().mkpath(d);
    std::vector<Job> done = Pool(o, std::move(jobs)).runAll();
    std::sort(done.begin(), done.end(), [](const Job& a, const Job& b) { return a.name < b.name; });
    QString table = QStringLiteral("%1 %2  %3\n").arg(QStringLiteral("scenario"), -36).arg(QStringLiteral("time"), 10).arg(QStringLiteral("result"));
    int status = 0, agreed = 0, skipped = 0;
    for (const Job& j : done) {
        const QStringList cols = Pool::summary(j.result).split(u'\t');
        table += QStringLiteral("%1 %2  %3\n").arg(cols.at(0), -36).arg(cols.at(1), 10).arg(cols.at(2));
        if (j.result.contains(QStringLiteral("skipped"))) ++skipped;
        else if (j.result.value(QStringLiteral("agreed")).toBool()) ++agreed;
        else status = 1;
    }
    table += QStringLiteral("%1 agreed, %2 skipped, %3 disagreed or failed\n").arg(agreed).arg(skipped).arg(int(done.size()) - agreed - skipped);
    std::printf("\n%s", qPrintable(table));
    for (const Job& j : done) {
        if (j.result.value(QStringLiteral("agreed")).toBool() || j.result.contains(QStringLiteral("skipped"))) continue;
        std::printf("\n== %s\n", qPrintable(j.name));
        for (const auto& d : j.result.value(QStringLiteral("differences")).toArray()) std::printf("%s\n", qPrintable(d.toString()));
        std::printf("-- its run's output (end):\n%s\n", qPrintable(j.log.right(3000)));
    }
    if (!o.table.isEmpty() && !writeFile(o.table, table.toUtf8())) return 1;
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const auto o = parse(QCoreApplication::arguments());
    if (!o) {
        usage(stderr);
        return 2;
    }
    for (const char* program : {"KONTENA_MASTER_BIN:kontena-master", "KONTENA_AGENT_BIN:kontena-agent"}) {
        const QString spec = QString::fromLatin1(program);
        const QString var = spec.section(u':', 0, 0), name = spec.section(u':', 1);
        if (qEnvironmentVariableIsEmpty(qPrintable(var)))
            qputenv(qPrintable(var), QDir(QCoreApplication::applicationDirPath()).filePath(name).toLocal8Bit());
    }
    if (::geteuid() != 0) {
        std::fputs("kontena-fidelity: needs root (each scenario node runs a private dockerd)\n", stderr);
        return 2;
    }
    return o->command == QLatin1String("one") ? runOne(*o) : runMany(*o);
}
