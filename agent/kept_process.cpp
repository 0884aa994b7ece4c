#include "agent/kept_process.h"

#include <QDateTime>

#include <algorithm>
#include <csignal>
#include <sys/prctl.h>

namespace kontena::agentd {

namespace {

constexpr qint64 kSteadyRunMs = 10'000;   // ran this long: the next exit starts the backoff afresh

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

}  // namespace

int keptProcessBackoffMs(int failures) { return std::min(30'000, 250 << std::clamp(failures, 0, 7)); }

KeptProcess::KeptProcess(QObject* parent) : QObject(parent) {
    restartTimer_.setSingleShot(true);
    connect(&restartTimer_, &QTimer::timeout, this, &KeptProcess::restartDue);
}

KeptProcess::~KeptProcess() { stop(); }

void KeptProcess::start(const QString& program, const QStringList& args, const std::function<void(QProcess&)>& setup) {
    stopping_ = false;
    restartTimer_.stop();
    if (process_) process_.release()->deleteLater();
    process_ = std::make_unique<QProcess>();
    if (setup) setup(*process_);
    process_->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });   // dies with the agent
    connect(process_.get(), &QProcess::finished, this, &KeptProcess::onExited);
    connect(process_.get(), &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) onExited();
    });
    ++starts_;
    startedAtMs_ = nowMs();
    process_->start(program, args);
}

void KeptProcess::onExited() {
    if (stopping_ || restartTimer_.isActive()) return;
    failures_ = nowMs() - startedAtMs_ >= kSteadyRunMs ? 0 : failures_ + 1;
    const int delayMs = keptProcessBackoffMs(failures_);
    const QString error = process_ ? process_->errorString() : QString();
    if (process_) process_.release()->deleteLater();
    restartTimer_.start(delayMs);
    emit exited(error, delayMs);
}

void KeptProcess::stop() {
    stopping_ = true;
    restartTimer_.stop();
    if (!process_) return;
    process_->disconnect(this);
    process_->terminate();
    if (!process_->waitForFinished(3000)) {
        process_->kill();
        process_->waitForFinished(3000);
    }
    process_.reset();
}

}  // namespace kontena::agentd
