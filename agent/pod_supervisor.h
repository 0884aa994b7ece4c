#pragma once
// PodSupervisor: keeps the node's containers converged to the pods the
// master wants, by running the core's pure agent step (scheduler/
// agent_step.h: reconcile, onListed, onExit, restartDue, onUp,
// onPortProbe, restartsWhenUnhealthy -- the functions the simulator's
// nodes run) and carrying out its answers on a NodeRuntime: runtime calls,
// timers (crash restarts, wait_for_port probes) and reports. It only moves
// data and keeps time: what to do is the step's decision.
//
// Threads: the runtime blocks, so every runtime call runs on one worker
// thread (calls for the node never overlap); results come back to the
// owner's thread, where all state lives.
//
// One pass: list the owned containers -> merge into what we know (crash
// counters, last reports) -> reconcile -> reports go to the reporter, the
// other ops to the runtime -> list again and report what changed. A pass
// requested while one runs is run once after it.

#include <QObject>
#include <QThreadPool>

#include <functional>
#include <map>
#include <memory>
#include <set>

#include "backends/docker/node_runtime.h"
#include "protocol/messages.h"
#include "scheduler/agent_step.h"

namespace kontena::agentd {

using InstanceRef = std::pair<std::string, int>;   // (service key, instance number)

class PodSupervisor : public QObject {
    Q_OBJECT
public:
    PodSupervisor(std::shared_ptr<NodeRuntime> runtime, GridSettings settings, QObject* parent = nullptr);
    ~PodSupervisor() override;

    // Sends one state report; false if it could not be sent (then it is
    // not remembered as reported and goes out again on a later pass).
    void setReporter(std::function<bool(const protocol::PodState&)> reporter) { reporter_ = std::move(reporter); }
    // Asks the master for the values of a pod's `secrets:` just before its
    // container is made; `done` runs on this thread once, with the
    // "NAME=value" entries or why there are none.
    using SecretsDone = std::function<void(const QString& error, const protocol::PodSecrets& answer)>;
    void setSecretSource(std::function<void(const protocol::PodSecretsRequest&, SecretsDone)> source) {
        secretSource_ = std::move(source);
    }
    // The address health checks reach a container at; runs on the worker.
    void setAddressLookup(std::function<QString(const QString& name)> lookup) { addressOf_ = std::move(lookup); }

    // Learns the containers the engine holds (no changes made). Until the
    // first sync() nothing is created or removed.
    void rediscover();
    // The master's desired pods: converge to them. `etcdQuorum` (from the
    // same pod list) says whether new containers can get an address: the
    // step's ipamAvailable.
    void sync(const QList<protocol::PodSpec>& pods, bool etcdQuorum);
    // Looks at the engine again (after an events gap): a pass with the
    // pods last received, or only learning what exists before the first.
    void resync();
    // The engine reported `die` for the instance at `atMs` (epoch ms).
    void containerDied(const std::string& serviceId, int number, qint64 atMs);
    // A health check found the instance unhealthy: restart it (reference 8.2).
    void restartUnhealthy(const QString& containerName);

    bool passRunning() const { return passRunning_; }
    bool hasPods() const { return havePods_; }
    // Reference 4.8: probe every second, one second each, at most 300 s.
    void setWaitForPortLimits(std::chrono::milliseconds every, std::chrono::milliseconds max) {
        portProbeEvery_ = every;
        portWaitMax_ = max;
    }
    const std::map<InstanceRef, agent::Container>& containers() const { return containers_; }
    std::optional<protocol::PodSpec> podFor(const QString& containerName) const;
    QString containerNameOf(const InstanceRef& key) const { return nameOf(key); }

signals:
    void passFinished(int runtimeOps);
    // The container runs (again): health checks and log streams (re)start.
    void containerRunning(const QString& name, const QString& id, const QString& address);
    void containerGone(const QString& name);
    void crashDetected(const QString& name, qint64 delayMs, int crashes);
    void restarted(const QString& name, const QString& cause);
    void runtimeError(const QString& message);
    // A hook ran or failed (for the service's event log).
    void podEvent(const kontena::protocol::PodEvent& event);
    // A oneshot hook ran: the master is to stop sending it for the instance.
    void oneshotHookDone(const kontena::protocol::OneshotHookDone& done);

private:
    struct Job;
    struct JobResult;
    void runPass();
    void afterList(const RuntimeResult<std::vector<OwnedContainer>>& listed, bool reportOnly, int doneOps);
    void finishPass(int runtimeOps);
    // A listing into what we know (agent::onListed), then acts on what came up or crashed.
    void merge(const std::vector<OwnedContainer>& owned);
    void forgetUnlisted(const std::set<InstanceRef>& seen);
    void noteCrash(const InstanceRef& key);
    void crashRestartDue(const InstanceRef& key, Instant due);
    // The container runs (agent::onUp); with wait_for_port it counts as
    // Starting (the step reports nothing yet) until the port accepts a
    // connection or the step gives up.
    void becameRunning(const InstanceRef& key);
    bool probing(const InstanceRef& key, const QString& id) const;
    void probePort(const InstanceRef& key, const QString& id, const QString& address, int port);
    void portProbed(const InstanceRef& key, const QString& id, const QString& address, int port, bool open);
    // Tells health checks and streams it runs (no state change).
    void announceRunning(const InstanceRef& key);
    std::vector<agent::Pod> stepPods() const;
    std::vector<agent::Container> stepContainers() const;
    // Runs the step and sends only its reports.
    void reportFromStep();
    void applyReport(const agent::op::Report& r);
    void reportError(const InstanceRef& key, const QString& error);
    class JobPlanner;   // agent::Runtime over the jobs for the worker
    // The agent is about to stop or remove the container (agent::onStopping).
    void stopping(const InstanceRef& key);
    // On the worker thread: the jobs' runtime calls, in order.
    static std::vector<JobResult> runJobs(NodeRuntime& rt, const std::vector<Job>& jobs);
    static void runEnsure(NodeRuntime& rt, const Job& j, JobResult& out);
    // The pre_stop hooks of the instance's running container (reference 6.5).
    std::vector<Hook> preStopHooks(const InstanceRef& key) const;
    void afterJobs(const std::vector<JobResult>& results);
    // Fills in the secret values of the jobs that create a container with
    // `secrets:` (asking the master), then runs `then` with the jobs.
    void withSecrets(std::vector<Job> jobs, std::function<void(std::vector<Job>)> then);
    QString nameOf(const InstanceRef& key) const;
    Duration graceOf(const InstanceRef& key) const;
    template <typename Work, typename Done>
    void onWorker(Work work, Done done);

    std::shared_ptr<NodeRuntime> runtime_;
    GridSettings settings_;
    QThreadPool worker_;
    std::function<bool(const protocol::PodState&)> reporter_;
    std::function<QString(const QString&)> addressOf_;
    std::function<void(const protocol::PodSecretsRequest&, SecretsDone)> secretSource_;
    std::map<InstanceRef, protocol::PodSpec> pods_;
    // The last spec of each instance, kept while its container exists (its
    // pre_stop hooks run after the master stopped naming it).
    std::map<InstanceRef, ServiceSpec> specs_;
    std::map<InstanceRef, agent::Container> containers_;
    std::map<InstanceRef, QString> names_, ids_;
    std::map<InstanceRef, std::string> lastError_;   // the last error report sent (agent::errorReport)
    std::set<InstanceRef> busy_;   // a runtime call for it is under way
    std::map<InstanceRef, QString> portWaiting_;   // container id whose wait_for_port probe runs
    std::chrono::milliseconds portProbeEvery_{1000}, portWaitMax_{agent::kWaitForPortMax.ms};
    bool havePods_ = false;
    bool ipamAvailable_ = true;   // the last pod list's etcd_quorum
    bool passRunning_ = false;
    bool passAgain_ = false;
};

}  // namespace kontena::agentd
