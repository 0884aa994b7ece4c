#include "scheduler/agent_step.h"

#include <charconv>

#include <algorithm>
#include <map>
#include <string_view>

namespace kontena::agent {

std::string ipamUnavailableMessage() {
    return "cannot allocate an overlay IP address: etcd has no quorum";
}

std::string waitForPortTimeoutMessage() { return "wait_for_port: port did not open in time"; }

std::optional<op::Report> errorReport(const Pod& p, const std::string& error, const std::string& lastError) {
    if (error == lastError) return std::nullopt;   // an identical report is not repeated
    return op::Report{p.service, p.number, p.deployRev, p.serviceRevision, ObservedState::Missing, error};
}

bool httpStatusHealthy(int status) { return status >= 200 && status <= 399; }

namespace {

ObservedState observed(ContainerState s) {
    switch (s) {
    case ContainerState::Running: return ObservedState::Running;
    case ContainerState::Stopped: return ObservedState::Stopped;
    case ContainerState::Exited: return ObservedState::Restarting;
    case ContainerState::Starting: break;
    }
    return ObservedState::Created;
}

void reportIfNew(std::vector<Op>& ops, const Pod& p, const Container& c) {
    const ObservedState st = observed(c.state);
    if (c.state == ContainerState::Starting) return;   // reported once it runs
    if (p.deployRev < c.reportedRev) return;
    if (p.deployRev == c.reportedRev && st == c.reportedState) return;
    ops.push_back(op::Report{p.service, p.number, p.deployRev, c.serviceRevision, st, ""});
}

void dispatch(Runtime& rt, const op::Create& o) { rt.create(o); }
void dispatch(Runtime& rt, const op::Start& o) { rt.start(o); }
void dispatch(Runtime& rt, const op::Stop& o) { rt.stop(o); }
void dispatch(Runtime& rt, const op::Remove& o) { rt.remove(o); }
void dispatch(Runtime& rt, const op::Report& o) { rt.report(o); }

}  // namespace

std::vector<Op> reconcile(const std::vector<Pod>& pods, const std::vector<Container>& containers, bool ipamAvailable) {
    std::vector<const Container*> refs;
    refs.reserve(containers.size());
    for (const auto& c : containers) refs.push_back(&c);
    return reconcile(pods, refs, ipamAvailable);
}

std::vector<Op> reconcile(const std::vector<Pod>& pods, const std::vector<const Container*>& containers, bool ipamAvailable) {
    // Sorted views instead of maps: a node syncs often and holds few
    // containers. Keys compare by number first (cheap, and mostly distinct).
    using Key = std::pair<int, std::string_view>;
    std::vector<const Container*> byKey = containers;
    const auto containerKey = [](const Container* c) { return Key{c->number, c->service}; };
    std::stable_sort(byKey.begin(), byKey.end(), [&](const Container* a, const Container* b) { return containerKey(a) < containerKey(b); });
    std::vector<Key> wanted;
    wanted.reserve(pods.size());
    for (const auto& p : pods) wanted.emplace_back(p.number, p.service);
    std::sort(wanted.begin(), wanted.end());
    std::vector<Op> ops;
    for (const auto& p : pods) {
        // The last container of a key counts when a key repeats.
        auto it = std::upper_bound(byKey.begin(), byKey.end(), Key{p.number, p.service},
                                   [&](const Key& k, const Container* c) { return k < containerKey(c); });
        const Container* c = it != byKey.begin() && containerKey(*(it - 1)) == Key{p.number, p.service} ? *(it - 1) : nullptr;
        const bool start = p.desired == DesiredState::Running;
        if (!c || c->serviceRevision < p.serviceRevision) {
            if (!ipamAvailable) {
                ops.push_back(op::Report{p.service, p.number, p.deployRev, c ? c->serviceRevision : 0,
                                         c ? observed(c->state) : ObservedState::Missing, ipamUnavailableMessage()});
                continue;
            }
            if (c) ops.push_back(op::Remove{p.service, p.number, false});
            ops.push_back(op::Create{p.service, p.number, p.deployRev, p.serviceRevision, start});
            continue;
        }
        if (start && c->state == ContainerState::Stopped) {
            ops.push_back(op::Start{p.service, p.number});
            continue;
        }
        if (!start && (c->state == ContainerState::Running || c->state == ContainerState::Starting || c->state == ContainerState::Exited)) {
            ops.push_back(op::Stop{p.service, p.number});
            continue;
        }
        reportIfNew(ops, p, *c);
    }
    for (const Container* c : containers) {
        if (!std::binary_search(wanted.begin(), wanted.end(), containerKey(c))) ops.push_back(op::Remove{c->service, c->number, true});
    }
    return ops;
}

int execute(const std::vector<Op>& ops, Runtime& rt) {
    int calls = 0;
    for (const Op& op : ops) {
        calls += std::holds_alternative<op::Report>(op) ? 0 : 1;
        std::visit([&rt](const auto& o) { dispatch(rt, o); }, op);
    }
    return calls;
}

void reportChanges(const std::vector<Op>& ops, Runtime& rt) {
    for (const Op& op : ops)
        if (const auto* r = std::get_if<op::Report>(&op); r && r->error.empty()) rt.report(*r);
}

Duration onCrash(Container& c, Instant now, const GridSettings& settings) {
    if (c.runningSince && now - *c.runningSince >= settings.crashResetAfter) c.consecutiveCrashes = 0;
    const std::int64_t k = c.consecutiveCrashes;
    ++c.consecutiveCrashes;
    c.state = ContainerState::Exited;
    c.runningSince.reset();
    const Duration delay = std::min(settings.crashBackoffUnit * (k * k), settings.crashBackoffCap);
    c.restartAt = now + delay;
    return delay;
}

bool isUp(const Container& c) {
    return c.state == ContainerState::Running || (c.state == ContainerState::Starting && c.portDeadline);
}

Container discovered(const std::string& service, int number) {
    Container c;
    c.service = service;
    c.number = number;
    c.state = ContainerState::Stopped;
    return c;
}

Seen onListed(Container& c, bool running, bool newRun) {
    if (running) {
        const bool waitingForPort = c.state == ContainerState::Starting && c.portDeadline && !newRun;
        if (waitingForPort || (c.state == ContainerState::Running && !newRun)) return Seen::Nothing;
        return Seen::CameUp;
    }
    if (isUp(c)) return Seen::Crashed;
    if (!(c.state == ContainerState::Exited && c.restartAt)) c.state = ContainerState::Stopped;
    return Seen::Nothing;
}

bool isCrash(const Container& c, std::optional<Instant> at) {
    if (!isUp(c)) return false;                                   // stopped by us, or known already
    return !(c.runningSince && at && *at < *c.runningSince);      // not the end of an earlier run
}

std::optional<Duration> onExit(Container& c, bool wantRunning, Instant now, const GridSettings& settings) {
    c.portDeadline.reset();
    if (!wantRunning) {
        c.state = ContainerState::Stopped;
        c.runningSince.reset();
        return std::nullopt;
    }
    return onCrash(c, now, settings);
}

bool restartDue(const Container& c, Instant due) { return c.state == ContainerState::Exited && c.restartAt == due; }

void onStartFailed(Container& c) { c.state = ContainerState::Stopped; }

void onStopping(Container& c) {
    c.state = ContainerState::Stopped;
    c.runningSince.reset();
    c.restartAt.reset();
    c.portDeadline.reset();
}

Up onUp(Container& c, Instant now, bool waitForPort, Duration portWaitMax) {
    c.runningSince = now;
    c.restartAt.reset();
    if (waitForPort) {
        c.state = ContainerState::Starting;
        c.portDeadline = now + portWaitMax;
        return Up::WaitForPort;
    }
    c.state = ContainerState::Running;
    c.portDeadline.reset();
    return Up::Running;
}

Probe onPortProbe(Container& c, Instant now, bool open) {
    if (c.state != ContainerState::Starting || !c.portDeadline) return Probe::Stale;
    if (!open && now < *c.portDeadline) return Probe::Retry;
    c.portDeadline.reset();
    c.state = ContainerState::Running;
    c.runningSince = now;
    return open ? Probe::Open : Probe::TimedOut;
}

bool restartsWhenUnhealthy(const Container& c) { return c.state == ContainerState::Running; }

bool hookAppliesTo(const Hook& hook, int number) {
    std::string_view rest = hook.instances;
    if (rest.empty() || rest == "*") return true;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (part == "*") return true;
        int n = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        if (ec == std::errc() && end == part.data() + part.size() && n == number) return true;
    }
    return false;
}

std::vector<Hook> hooksFor(const ServiceSpec& spec, const std::string& kind, int number) {
    std::vector<Hook> out;
    for (const Hook& h : spec.hooks)
        if (h.kind == kind && hookAppliesTo(h, number)) out.push_back(h);
    return out;
}

std::vector<std::string> hookCommand(const Hook& hook) { return {"/bin/sh", "-c", hook.cmd}; }

std::string hookFailureMessage(const Hook& hook, int exitCode, const std::string& output) {
    constexpr std::size_t kTail = 400;
    std::string tail = output.size() > kTail ? output.substr(output.size() - kTail) : output;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
    std::string m = hook.kind + " hook " + (hook.name.empty() ? hook.cmd : hook.name) + " failed (exit " + std::to_string(exitCode) + ")";
    return tail.empty() ? m : m + ": " + tail;
}

}  // namespace kontena::agent
