#include "gui/models/rehearsal.h"

#include <algorithm>
#include <map>

#include "simulator/engine/timeline_svg.h"

namespace kontena::gui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString observedText(const Instance& i) {
    if (i.desired == DesiredState::Initialized) return QStringLiteral("pending");
    if (i.desired == DesiredState::Stopped) return QStringLiteral("stopped");
    switch (i.observed) {
    case ObservedState::Running: return QStringLiteral("running");
    case ObservedState::Created: return QStringLiteral("created");
    case ObservedState::Restarting: return QStringLiteral("restarting");
    case ObservedState::Exited: return QStringLiteral("exited");
    case ObservedState::Stopped: return QStringLiteral("stopped");
    case ObservedState::Missing: return QStringLiteral("starting");
    }
    return QString();
}

Frame frameOf(Instant now, const ClusterState& st, const std::map<std::string, std::string>& lastFailure) {
    Frame f;
    f.at = now;
    f.quorum = st.quorum;
    f.quorumSummary = qs(quorumSummary(st));
    std::map<std::string, std::vector<const Instance*>> byNode;
    for (const auto& [key, inst] : st.instances) {
        if (inst.node) byNode[*inst.node].push_back(&inst);
        else f.pending.push_back(PendingInstance{qs(instanceName(inst.service, inst.number)), QStringLiteral("its node was removed")});
        if (inst.node && inst.desired == DesiredState::Initialized) {
            auto it = lastFailure.find(inst.service);
            f.pending.push_back(PendingInstance{qs(instanceName(inst.service, inst.number)),
                                                it != lastFailure.end() ? qs(it->second) : QStringLiteral("waiting for its deploy step")});
        }
    }
    for (const auto& [name, n] : st.nodes) {
        NodeFrame nf;
        nf.name = qs(name);
        nf.number = n.number;
        nf.initial = n.isInitial(st.grid.initialSize);
        nf.status = qs(toString(n.status()));
        QStringList labels;
        for (const auto& l : n.labels) labels << qs(l);
        nf.labels = labels.join(QStringLiteral(", "));
        for (const Instance* i : byNode[name]) nf.instances << qs(instanceName(i->service, i->number)) + QLatin1Char(' ') + observedText(*i);
        f.nodes.push_back(nf);
    }
    std::sort(f.nodes.begin(), f.nodes.end(), [](const NodeFrame& a, const NodeFrame& b) { return a.number < b.number; });
    // Services whose deploy failed for want of a node: their unplaced instances.
    for (const auto& [key, svc] : st.services) {
        auto it = lastFailure.find(key);
        if (it == lastFailure.end() || svc.state != ServiceState::Running) continue;
        int placed = 0;
        for (auto i = st.instances.lower_bound(InstanceKey{key, 0}); i != st.instances.end() && i->first.service == key; ++i) placed += i->second.node ? 1 : 0;
        for (int n = placed + 1; n <= svc.spec.instances && svc.spec.strategy != Strategy::Daemon; ++n) {
            f.pending.push_back(PendingInstance{qs(instanceName(key, n)), qs(it->second)});
        }
    }
    return f;
}

}  // namespace

Rehearsal Rehearsal::run(const sim::Scenario& scenario, std::optional<std::uint64_t> seed) {
    Rehearsal r;
    sim::EngineOptions o;
    o.seed = seed.value_or(scenario.seed);
    o.recordSpans = true;
    o.observeRunning = false;
    std::map<std::string, std::string> lastFailure;   // service -> why its last deploy failed
    // The observer runs during the run: the report's timeline is not there
    // yet, so failures are read from the state's deploys instead.
    o.observer = [&](Instant now, const ClusterState& st, const std::map<InstanceKey, int>&) {
        for (const auto& [id, d] : st.deploys) {
            if (d.state == DeployState::Error) lastFailure[d.service] = d.error;
            else if (d.state == DeployState::Success) lastFailure.erase(d.service);
        }
        r.frames_.push_back(frameOf(now, st, lastFailure));
    };
    r.report_ = sim::runScenario(scenario, o);
    sim::TimelineStyle style;
    style.width = 1200;
    r.svg_ = sim::renderTimelineSvg(r.report_, style);
    return r;
}

const Frame& Rehearsal::frameAt(Instant t) const {
    static const Frame empty;
    if (frames_.empty()) return empty;
    auto it = std::upper_bound(frames_.begin(), frames_.end(), t, [](Instant v, const Frame& f) { return v < f.at; });
    if (it == frames_.begin()) return frames_.front();
    return *std::prev(it);
}

std::vector<Instant> Rehearsal::eventTimes() const {
    std::vector<Instant> out;
    for (const auto& e : report_.timeline) out.push_back(e.at);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace kontena::gui
