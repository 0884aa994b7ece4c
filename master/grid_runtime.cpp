#include "master/grid_runtime.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>

#include "master/agent_sessions.h"
#include "master/auth.h"
#include "master/fluentd_forwarder.h"
#include "master/grid_persistence.h"
#include "master/json_util.h"
#include "master/store.h"
#include "scheduler/random.h"

Q_LOGGING_CATEGORY(lcGrid, "kontena.master.grid")

namespace kontena::master {

GridRuntime::GridRuntime(Store& store, const QJsonObject& doc, QObject* parent, bool lead)
    : QObject(parent), store_(store), agents_(new AgentSessions(*this)), stored_(lead), lead_(lead) {
    coreTimer_.setSingleShot(true);
    coreTimer_.setTimerType(Qt::PreciseTimer);
    connect(&coreTimer_, &QTimer::timeout, this, &GridRuntime::fireDueTimers);
    eventFlush_.setSingleShot(true);
    eventFlush_.setInterval(200);
    connect(&eventFlush_, &QTimer::timeout, this, [this] {
        logs_.flushEvents();
        if (logs_.eventsPending()) eventFlush_.start();   // the store failed: again later
    });
    GridRecord saved = restoreGrid(doc, now(), lead ? RestoreAs::Leader : RestoreAs::Copy);
    if (timeScale_ != 1.0) {   // the API's settings as stored, the rest scaled
        GridSettings& s = saved.state.grid.settings;
        const GridSettings stored = s;
        s = scaledTimings(stored, timeScale_);
        applySettings(s, apiSettings(stored));
    }
    name_ = saved.name;
    token_ = saved.token;
    tokenDigest_ = token_.isEmpty() ? QString() : Auth::digest(token_);
    createdAt_ = saved.createdAt;
    subnet_ = saved.subnet;
    stacks_ = std::move(saved.stacks);
    volumeCreated_ = std::move(saved.volumeCreated);
    oneshotDone_ = std::move(saved.oneshotDone);
    logForwarding_ = std::move(saved.logForwarding);
    forwardedFrom_ = saved.forwardedLineId;
    stats_.setGrid(name_);
    stats_.setStatsd(saved.statsd);
    rngState_ = rehearsalSeed_ ? *rehearsalSeed_ : stableHash(ss(name_)) ^ static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch());
    ctl_ = std::make_unique<Controller>(std::move(saved.state), rngState_);
    agents_->restore(saved.agentRecords);
    // Read back from rows: those are what is stored. Otherwise (a new grid,
    // an old single document) every row is to be written.
    if (saved.fromRows) {
        rows_.prime(*this);
        legacyDocument_ = false;
    } else {
        rows_.markAll();
    }
    if (!lead_) return;   // a follower's copy: the leader runs the grid
    // Nodes stored as connected are offline here until their agents come
    // back: the rows say so now, for the followers' copies.
    if (saved.fromRows && !saved.restatedNodes.empty()) {
        for (const std::string& node : saved.restatedNodes) rows_.rewriteNode(node);
        scheduleSave();
    }
    for (const Timer& t : ctl_->startupTimers(now())) arm(t);
    // Stack deploys cut short by a restart are started again (their
    // services may still be waiting to be deployed).
    // Without the etcd quorum (restored nodes count offline until their
    // agents reconnect: a restart, a takeover by another master) the core
    // refuses deploys: they start once the quorum is back.
    // Service deploys are not stored: a service with fewer instances placed
    // than it wants (a deploy cut short) deploys again too, rather than
    // waiting for the re-scheduler's next pass.
    resumeDeploys_ = stacks_.pendingDeploys();
    std::map<std::string, int> placed;
    for (const auto& [key, i] : state().instances) placed[key.service] += i.node.has_value() && i.desired == DesiredState::Running;
    for (const auto& [key, svc] : state().services) {
        const bool stackResumes = resumeDeploys_.contains(qs(svc.spec.stack));   // its stack's deploy covers it
        if (svc.state == ServiceState::Running && placed[key] < svc.spec.instances && !stackResumes) resumeServices_.append(qs(key));
    }
    if (state().quorum) resumeStackDeploys();
}

void GridRuntime::resumeStackDeploys() {
    for (const QString& stack : std::exchange(resumeDeploys_, {})) deliver(ev::StackDeploy{ss(stack)});
    for (const QString& service : std::exchange(resumeServices_, {})) deliver(ev::ServiceDeploy{ss(service), false});
}

GridRuntime::~GridRuntime() {
    store_.cancelDeferred(this);
    afterSave_.clear();
    if (dirty_) save();
    if (stored_) logs_.flushEvents();
    delete agents_;   // before the controller its sessions may still report to
    agents_ = nullptr;
}

Instant GridRuntime::now() const { return Instant(QDateTime::currentMSecsSinceEpoch()); }

void GridRuntime::attachAgent(QWebSocket* socket, const protocol::Handshake& hs) { agents_->attach(socket, hs); }

ApplyResult GridRuntime::apply(const Event& e) {
    ApplyResult r = deliver(e);
    save();
    return r;
}

ApplyResult GridRuntime::deliver(const Event& e) {
    // A rehearsal's nodes share one machine: their memory use says nothing
    // about the nodes the scenario describes, and must not rank them.
    if (rehearsalSeed_ && std::holds_alternative<ev::NodeStats>(e)) return {};
    rngState_ = rehearsalSeed_ ? *rehearsalSeed_ : splitmix64(rngState_);
    const Context ctx{now(), rngState_};
    ApplyResult r;
    r.decision = ctl_->decide(e, ctx);
    r.refused = r.decision.refused;
    const bool quorumBefore = state().quorum;
    ctl_->commit(r.decision);
    for (const auto& t : r.decision.timers) arm(t);
    for (const auto& c : r.decision.commands) execute(c);
    // Agents read the quorum (their step's ipamAvailable) with their pods:
    // when it changes, every node re-reads at once instead of at its next poll.
    if (state().quorum != quorumBefore) {
        for (const auto& [name, node] : state().nodes) {
            if (node.connected) execute(cmd::NotifyNode{name});
        }
    }
    note(r.decision);
    if (state().quorum && !(resumeDeploys_.isEmpty() && resumeServices_.isEmpty())) resumeStackDeploys();
    return r;
}

// The bookkeeping a decision changes beside the core: logs, volume dates,
// unfinished stack deploys, and whether (and how soon) to save.
void GridRuntime::note(const Decision& d) {
    for (const auto& l : d.log) {   // a refusal is one of them (Draft::refuse logs it)
        logs_.addEvent(l);
        if (l.kind != "ping") qCInfo(lcGrid).noquote() << name_ << qs(l.kind) << qs(l.subject) << qs(l.detail);
    }
    // Events are stored within 200 ms, many in one transaction (a deploy logs thousands).
    if (logs_.eventsPending() && !eventFlush_.isActive()) eventFlush_.start();
    if (d.changes.empty()) return;
    for (const auto& m : d.changes) {
        if (const auto* v = std::get_if<mut::PutVolume>(&m)) volumeCreated_.insert(qs(v->volume.name), timeJson(now()));
        if (const auto* ds = std::get_if<mut::DropService>(&m)) oneshotDone_.remove(qs(ds->key));
        if (const auto* dst = std::get_if<mut::DropStack>(&m)) stacks_.forget(qs(dst->name));   // a re-install starts afresh
        forgetStats(m);
    }
    dirty_ = true;
    if (rows_.note(d.changes, *this)) scheduleSave();   // not for keepalives alone
    noteStackDeploys(d);
    emit changed();
}

// Statistics of what the core dropped go with it (the series stay bounded).
void GridRuntime::forgetStats(const Mutation& m) {
    if (const auto* ds = std::get_if<mut::DropService>(&m)) stats_.forgetService(ds->key);
    if (const auto* di = std::get_if<mut::DropInstance>(&m)) stats_.forgetInstance(di->key);
    if (const auto* dn = std::get_if<mut::DropNode>(&m)) stats_.forgetNode(qs(dn->name));
}

void GridRuntime::setStatsd(const std::optional<api::StatsdServer>& server) {
    stats_.setStatsd(server);
    save();
}

void GridRuntime::startForwarding(std::int64_t afterId) {
    delete std::exchange(forwarder_, nullptr);
    if (!logForwarding_ || logForwarding_->forwarder != QLatin1String("fluentd") || !logForwarding_->opts) return;
    const QString address = logForwarding_->opts->value(QStringLiteral("fluentd-address")).toString();
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    forwarder_ = new FluentdForwarder(*this, address.left(colon), quint16(address.mid(colon + 1).toUInt()), afterId);
}

void GridRuntime::setLogForwarding(const api::GridLogSettings& settings) {
    const bool forwarding = settings.forwarder == QLatin1String("fluentd");
    logForwarding_ = forwarding ? std::optional<api::GridLogSettings>(settings) : std::nullopt;
    // From now on: the newest line kept so far is not sent.
    LogQuery newest;
    newest.limit = 1;
    const auto last = logs_.containerLines(newest);
    startForwarding(last.isEmpty() ? 0 : last.first().id.toLongLong());
    save();
}

std::int64_t GridRuntime::forwardedLineId() const { return forwarder_ ? forwarder_->delivered() : forwardedFrom_; }

bool GridRuntime::notifyAgent(const std::string& node, const char* method, const QJsonObject& payload) {
    return agents_->notify(node, method, payload);
}

bool GridRuntime::runsOn(const QString& container, const QString& node) const {
    for (const auto& [key, inst] : state().instances) {
        if (!inst.node || qs(*inst.node) != node) continue;
        const Service* svc = state().service(key.service);
        if (svc && qs(containerName(svc->spec, inst.number)) == container) return true;
    }
    return false;
}

namespace {
QString oneshotKey(const QString& kind, const QString& hook, int number) { return kind + u'/' + hook + u'/' + QString::number(number); }
}  // namespace

void GridRuntime::markOneshotDone(const QString& service, const QString& kind, const QString& hook, int number) {
    QSet<QString>& done = oneshotDone_[service];
    const QString k = oneshotKey(kind, hook, number);
    if (done.contains(k)) return;
    done.insert(k);
    dirty_ = true;
    rows_.noteService(ss(service));
    scheduleSave();
}

bool GridRuntime::oneshotDone(const QString& service, const QString& kind, const QString& hook, int number) const {
    const auto it = oneshotDone_.find(service);
    return it != oneshotDone_.end() && it->contains(oneshotKey(kind, hook, number));
}

QJsonObject GridRuntime::oneshotDocument() const {
    QJsonObject o;
    for (auto it = oneshotDone_.begin(); it != oneshotDone_.end(); ++it) {
        QStringList done(it->begin(), it->end());
        done.sort();
        o.insert(it.key(), QJsonArray::fromStringList(done));
    }
    return o;
}

// Remembers the unfinished stack deploys (a restart starts them again).
void GridRuntime::noteStackDeploys(const Decision& d) {
    for (const auto& m : d.changes) {
        const auto* sd = std::get_if<mut::PutStackDeploy>(&m);
        if (!sd) continue;
        const bool pending = sd->deploy.state == DeployState::Pending || sd->deploy.state == DeployState::Ongoing;
        if (stacks_.setDeployPending(qs(sd->deploy.stack), pending)) scheduleSave();
    }
}

void GridRuntime::arm(const Timer& t) {
    const std::int64_t key = std::max(t.at.ms, now().ms);
    const bool first = armed_.empty() || key < armed_.begin()->first;
    armed_.emplace(key, t);
    if (first) rearmTimer();
}

void GridRuntime::rearmTimer() {
    if (armed_.empty()) {
        coreTimer_.stop();
        return;
    }
    coreTimer_.start(std::chrono::milliseconds(std::max<qint64>(0, armed_.begin()->first - now().ms)));
}

// The timers due now, in the order they were due (and armed); those they
// arm fire at the next turn of the event loop at the soonest.
void GridRuntime::fireDueTimers() {
    const std::int64_t at = now().ms;
    std::vector<Timer> due;
    while (!armed_.empty() && armed_.begin()->first <= at) {
        due.push_back(std::move(armed_.begin()->second));
        armed_.erase(armed_.begin());
    }
    for (const Timer& t : due) deliver(ev::TimerFired{t});
    rearmTimer();
}

void GridRuntime::execute(const Command& c) {
    if (agents_) agents_->carryOut(c);
}

namespace {

// Reference §6.4: every secret a service of the tree names must exist in
// the grid's vault before anything of the tree is applied.
std::optional<Refusal> missingSecret(const stacks::Stack& root, const GridVault& vault) {
    for (const stacks::StackApplyStep& step : stacks::stackApplySteps(root, false)) {
        for (const ServiceSpec& spec : step.event.services) {
            for (const SecretRef& ref : spec.secrets) {
                if (!vault.configured()) {
                    return Refusal{RefusalKind::Invalid, "Service " + spec.key() + " uses secret " + ref.secret +
                                                             " but the master has no vault key (--vault-key-file)"};
                }
                if (!vault.exists(qs(ref.secret))) {
                    return Refusal{RefusalKind::Invalid, "Secret " + ref.secret + " does not exist (service " + spec.key() + ")"};
                }
            }
            for (const SecretRef& ref : spec.certificates) {
                if (!vault.certificate || !vault.certificate(qs(ref.secret))) {
                    return Refusal{RefusalKind::Invalid, "Certificate " + ref.secret + " does not exist (service " + spec.key() + ")"};
                }
            }
        }
    }
    return std::nullopt;
}

// The master renders a stack file again with the values the CLI sent; a
// variable the CLI read from the vault (never sent) is read here from the
// grid's own vault. `to: vault` values were written by the CLI already.
class VaultResolver : public stacks::OfflineBackend {
public:
    explicit VaultResolver(const GridVault& vault) : vault_(vault) {}
    std::optional<std::string> vaultRead(const std::string& secret) override {
        if (!vault_.configured()) return std::nullopt;
        const auto value = vault_.read(QString::fromStdString(secret));
        if (!value || !*value) return std::nullopt;
        return value->value().toStdString();
    }

private:
    const GridVault& vault_;
};

}  // namespace

ApplyResult GridRuntime::applyStack(const QString& stack, const QString& source, const QJsonObject& variables, bool deploy,
                                    QString* diagnostics, const QJsonObject& files, bool skipDependencies) {
    VaultResolver resolver(vault_);
    const stacks::LoadResult loaded = StackBook::load(stack, name_, source, variables, &resolver, files);
    if (!loaded.ok()) {
        *diagnostics = qs(loaded.diagnostics.format());
        return ApplyResult{Refusal{RefusalKind::Invalid, "the stack file does not validate"}, {}};
    }
    if (auto missing = missingSecret(*loaded.stack, vault_)) return ApplyResult{std::move(missing), {}};
    ApplyResult last;
    stacks::applyStackTree(*loaded.stack, deploy, [&](const stacks::StackApplyStep& step) {
        if (skipDependencies && !step.parent.empty()) return std::optional<Refusal>();
        if (skipDependencies) {
            ev::StackApply alone = step.event;
            alone.dependsOn.clear();
            last = deliver(alone);
        } else {
            last = deliver(step.event);
        }
        if (!last.refused) stacks_.recordApplied(step, source, variables, now());
        return last.refused;
    });
    save();
    return last;
}

bool GridRuntime::setStackLabels(const QString& stack, const QStringList& labels) {
    if (!stacks_.setLabels(stack, labels)) return true;
    return save();
}

void GridRuntime::setSettings(const api::GridUpdate& update) {
    ClusterState st = state();
    if (update.settings) applySettings(st.grid.settings, *update.settings);
    if (update.defaultAffinity) {
        st.grid.defaultAffinity.clear();
        for (const QString& a : *update.defaultAffinity) st.grid.defaultAffinity.push_back(ss(a));
    }
    // Settings are configuration, not events: the controller restarts on
    // the same state with the new grid settings.
    ctl_ = std::make_unique<Controller>(std::move(st), rngState_);
    save();
}

void GridRuntime::nodeRowChanged(const std::string& node) {
    if (!state().node(node)) return;   // not in the core yet: its row comes with it
    rows_.noteNode(node);
    scheduleSave();
}

void GridRuntime::forgetStored() {
    stored_ = false;
    store_.cancelDeferred(this);
}

// Within 200 ms, in the store's next deferred transaction (with the other grids' changes).
void GridRuntime::scheduleSave() {
    if (!stored_) return;
    store_.defer(
        this,
        [this] {
            deferredRows_ = rows_.pending(*this);
            return store_.putGridRows(name_, deferredRows_, legacyDocument_);
        },
        [this](bool committed) {
            if (committed) {
                rows_.written(deferredRows_);
                saved();
            } else {
                qCWarning(lcGrid).noquote() << name_ << "could not be stored:" << store_.lastError();
                scheduleSave();   // retried with the next deferred write
            }
            deferredRows_.clear();
        });
}

bool GridRuntime::save() {
    store_.cancelDeferred(this);   // this save writes all that changed
    if (!stored_) return true;
    const std::vector<GridRow> rows = rows_.pending(*this);
    if (rows.empty() && !legacyDocument_) {
        saved();
        return true;
    }
    if (!store_.writeGridRows(name_, rows, legacyDocument_)) {
        qCWarning(lcGrid).noquote() << name_ << "could not be stored:" << store_.lastError();
        scheduleSave();
        return false;
    }
    rows_.written(rows);
    saved();
    return true;
}

void GridRuntime::saveThen(std::function<void()> then) {
    afterSave_.push_back(std::move(then));
    // Already on its way: no need to collect the rows again (thousands of
    // agents announcing themselves within one group commit).
    if (store_.deferred(this)) return;
    if (!stored_ || (!legacyDocument_ && rows_.pending(*this).empty())) {   // nothing to wait for
        saved();
        return;
    }
    scheduleSave();
}

void GridRuntime::saved() {
    legacyDocument_ = false;
    dirty_ = false;
    for (auto& then : std::exchange(afterSave_, {})) then();
}

}  // namespace kontena::master
