#pragma once
// FakeRuntime: an in-memory NodeRuntime for the agent's tests without a
// Docker Engine (the real engine is covered by tst_agent_docker). Thread
// safe: the agent calls it from its worker thread.

#include <map>
#include <mutex>

#include "backends/docker/node_runtime.h"

namespace kontena::testing {

class FakeRuntime : public NodeRuntime {
public:
    RuntimeResult<EnsureOutcome> ensure(const InstanceDesc& in, DesiredState desired) override {
        std::lock_guard lock(mutex_);
        EnsureOutcome out;
        auto it = containers_.find(in.containerName());
        if (it == containers_.end() || it->second.serviceRevision < in.serviceRevision) {
            out.created = it == containers_.end();
            out.recreated = !out.created;
            OwnedContainer c;
            c.id = "id-" + in.containerName() + "-" + std::to_string(++nextId_);
            c.name = in.containerName();
            c.serviceId = in.serviceId();
            c.stack = in.spec.stack;
            c.serviceName = in.spec.name;
            c.instanceNumber = in.instanceNumber;
            c.state = ObservedState::Stopped;
            containers_[c.name] = c;
            ++creates;
        }
        OwnedContainer& c = containers_[in.containerName()];
        c.deployRev = in.deployRev;
        c.serviceRevision = in.serviceRevision;
        c.state = desired == DesiredState::Running ? ObservedState::Running : ObservedState::Stopped;
        out.container = c;
        return out;
    }
    RuntimeResult<OwnedContainer> create(const InstanceDesc& in) override {
        auto r = ensure(in, DesiredState::Stopped);
        if (!r) return r.error();
        return r.value().container;
    }
    RuntimeStatus start(const std::string& name) override { return setState(name, ObservedState::Running); }
    RuntimeStatus stop(const std::string& name, Duration) override { return setState(name, ObservedState::Stopped); }
    RuntimeStatus restart(const std::string& name, Duration) override { return setState(name, ObservedState::Running); }
    RuntimeStatus remove(const std::string& name, Duration, bool) override {
        std::lock_guard lock(mutex_);
        removes += int(containers_.erase(name));
        return RuntimeDone{};
    }
    RuntimeResult<std::vector<OwnedContainer>> listOwned() override {
        std::lock_guard lock(mutex_);
        std::vector<OwnedContainer> out;
        for (const auto& [name, c] : containers_) out.push_back(c);
        return out;
    }
    RuntimeStatus ensureVolume(const std::string&, const std::string&, const std::map<std::string, std::string>&) override {
        return RuntimeDone{};
    }
    RuntimeStatus removeVolume(const std::string&) override { return RuntimeDone{}; }

    std::map<std::string, OwnedContainer> snapshot() {
        std::lock_guard lock(mutex_);
        return containers_;
    }
    int creates = 0, removes = 0;

private:
    RuntimeStatus setState(const std::string& name, ObservedState st) {
        std::lock_guard lock(mutex_);
        auto it = containers_.find(name);
        if (it == containers_.end()) return RuntimeError{404, "no such container: " + name};
        it->second.state = st;
        return RuntimeDone{};
    }

    std::mutex mutex_;
    std::map<std::string, OwnedContainer> containers_;
    int nextId_ = 0;
};

}  // namespace kontena::testing
