#pragma once
// NodeRuntime: what the agent needs from the container engine of its node,
// in the core's words (service specs, instance numbers, revisions) and in
// plain C++ types. DockerRuntime implements it on a real engine; a
// simulated runtime can implement it on modelled nodes, and the agent's
// logic cannot tell the two apart.
//
// Identity lives in the engine, not in the runtime object: every container
// carries its instance's labels, so a fresh runtime (an agent restarted)
// rediscovers with listOwned() everything a previous one made, and one
// instance never gets a second container (names are unique per engine).
//
// Calls are synchronous: each returns when the engine has done the work (a
// stop may take the grace period). Callers that run an event loop make them
// from a worker thread; calls for different instances may run concurrently,
// calls for one instance must not overlap.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/result.h"
#include "scheduler/time.h"

namespace kontena {

// A failed runtime call: the engine's HTTP status (404 no such container,
// 409 conflict, ...) or 0 when the engine could not be reached.
struct RuntimeError {
    int code = 0;
    std::string message;
};

struct RuntimeDone {};
template <typename T>
using RuntimeResult = Result<T, RuntimeError>;
using RuntimeStatus = Result<RuntimeDone, RuntimeError>;

// The node this runtime drives; written into every container's labels/env.
struct NodeIdentity {
    std::string grid;
    std::string node;
};

// One service instance as the master wants it on this node.
struct InstanceDesc {
    ServiceSpec spec;
    int instanceNumber = 1;
    std::int64_t deployRev = 0;   // the deploy that asked for it (reported back)
    int serviceRevision = 1;      // the spec's revision; newer means re-create
    // "NAME=value" entries of the service's `secrets:`, fetched from the
    // master just before creation; kept in memory only, never logged.
    std::vector<std::string> secretEnv;
    // X-Registry-Auth for pulling the image (same rules: memory only).
    std::string registryAuth;

    std::string serviceId() const { return spec.key(); }
    std::string containerName() const { return kontena::containerName(spec, instanceNumber); }
    // The stateful instance's data-only container, "<name>-volumes".
    std::string dataContainerName() const { return containerName() + "-volumes"; }
};

// A command that ran to its end (a hook, an exec).
struct CommandOutcome {
    int exitCode = -1;
    std::string output;   // stdout then stderr
};

enum class ContainerRole { Service, Data };   // label io.kontena.container.type: container | volume

// A container the runtime made, as read back from the engine's labels.
struct OwnedContainer {
    std::string id;
    std::string name;
    ContainerRole role = ContainerRole::Service;
    std::string serviceId;
    std::string stack;
    std::string serviceName;
    int instanceNumber = 0;
    std::int64_t deployRev = 0;
    int serviceRevision = 0;
    ObservedState state = ObservedState::Missing;
};

// What ensure() changed to reach the desired state.
struct EnsureOutcome {
    bool created = false;     // there was no container
    bool recreated = false;   // the old one was stopped, removed and made again
    bool started = false;
    bool stopped = false;
    OwnedContainer container;
};

class NodeRuntime {
public:
    virtual ~NodeRuntime() = default;

    // Converges one instance: makes its container if missing (and the data
    // container of a stateful service), re-creates it if its service
    // revision is older or its image changed, then starts or stops it to
    // match `desired` (Running or Stopped). Pulls a missing image. A
    // container by that name that is not this instance's is left alone: 409.
    virtual RuntimeResult<EnsureOutcome> ensure(const InstanceDesc& instance, DesiredState desired) = 0;
    // Makes the container without starting it; 409 if it already exists.
    virtual RuntimeResult<OwnedContainer> create(const InstanceDesc& instance) = 0;
    virtual RuntimeStatus start(const std::string& containerName) = 0;
    // Stop signal, then SIGKILL after `grace`. Stopped already: success.
    virtual RuntimeStatus stop(const std::string& containerName, Duration grace) = 0;
    virtual RuntimeStatus restart(const std::string& containerName, Duration grace) = 0;
    // Stops within `grace` and removes the container, with `removeData`
    // also its "<name>-volumes" data container. Missing: success. A
    // container without this grid's label is left alone: 409.
    virtual RuntimeStatus remove(const std::string& containerName, Duration grace, bool removeData) = 0;
    // Every container of this runtime's grid on the engine, service and
    // data containers, ordered by name.
    virtual RuntimeResult<std::vector<OwnedContainer>> listOwned() = 0;

    // A volume for the instances (reference 5.3); existing: success.
    virtual RuntimeStatus ensureVolume(const std::string& name, const std::string& driver,
                                       const std::map<std::string, std::string>& driverOpts) = 0;
    virtual RuntimeStatus removeVolume(const std::string& name) = 0;

    // Runs `cmd` inside the running container (post_start, pre_stop hooks).
    virtual RuntimeResult<CommandOutcome> exec(const std::string& containerName, const std::vector<std::string>& cmd) {
        (void)containerName, (void)cmd;
        return RuntimeError{501, "this runtime cannot run commands in containers"};
    }
    // Runs `cmd` in a throw-away container made from the instance's service
    // configuration, removed afterwards (pre_start hooks).
    virtual RuntimeResult<CommandOutcome> runOnce(const InstanceDesc& instance, const std::vector<std::string>& cmd) {
        (void)instance, (void)cmd;
        return RuntimeError{501, "this runtime cannot run throw-away containers"};
    }
};

}  // namespace kontena
