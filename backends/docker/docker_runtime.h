#pragma once
// DockerRuntime: the NodeRuntime of a real Docker Engine. Containers get
// Kontena's names, io.kontena.* labels and KONTENA_* environment
// (kontena_labels.h); all state is read back from the engine, so any number
// of DockerRuntime objects over one engine agree on what exists.
//
// Blocking like DockerClient: every call waits for the engine (a stop
// waits up to its grace period). Safe to use from several threads for
// different instances; calls for one instance must not overlap.

#include <functional>

#include "backends/docker/client.h"
#include "backends/docker/node_runtime.h"

namespace kontena::docker {

// A RuntimeError carrying the engine's status and message.
RuntimeError toRuntimeError(const EngineError& e);

class DockerRuntime : public NodeRuntime {
public:
    DockerRuntime(DockerClient client, NodeIdentity node);

    RuntimeResult<EnsureOutcome> ensure(const InstanceDesc& instance, DesiredState desired) override;
    RuntimeResult<OwnedContainer> create(const InstanceDesc& instance) override;
    RuntimeStatus start(const std::string& containerName) override;
    RuntimeStatus stop(const std::string& containerName, Duration grace) override;
    RuntimeStatus restart(const std::string& containerName, Duration grace) override;
    RuntimeStatus remove(const std::string& containerName, Duration grace, bool removeData) override;
    RuntimeResult<std::vector<OwnedContainer>> listOwned() override;
    RuntimeStatus ensureVolume(const std::string& name, const std::string& driver,
                               const std::map<std::string, std::string>& driverOpts) override;
    RuntimeStatus removeVolume(const std::string& name) override;
    RuntimeResult<CommandOutcome> exec(const std::string& containerName, const std::vector<std::string>& cmd) override;
    RuntimeResult<CommandOutcome> runOnce(const InstanceDesc& instance, const std::vector<std::string>& cmd) override;

    // The node's DNS server for service discovery (agent/dns_supervisor.h):
    // containers made from now on resolve through `servers`, and short
    // names are tried in the instance's stack domain first. Set before the
    // first call (not synchronised with calls under way).
    void setServiceDns(QStringList servers, QString gridDomainSuffix);

    // Grid addresses (backends/overlay/README.md): a container of the
    // bridge network joins `network` instead, with the address `allocate`
    // gives it (IPAM in etcd: an error, e.g. no quorum, and no container is
    // made); `release` gives the address back when the container is removed
    // (or could not be made). Both run on the caller's thread. Set before
    // the first call.
    struct GridAddresses {
        QString network = QStringLiteral("kontena");
        int prefix = 16;
        std::function<RuntimeResult<std::string>(const std::string& container)> allocate;
        std::function<void(const std::string& container)> release;
    };
    void setGridAddresses(GridAddresses g) { grid_ = std::move(g); }

    const NodeIdentity& node() const { return node_; }
    DockerClient& client() { return client_; }

private:
    RuntimeStatus ensureImage(const QString& image, const QByteArray& registryAuth);
    RuntimeStatus ensureDataContainer(const InstanceDesc& instance);
    // Whether the container by the instance's name carries its labels; a
    // stranger's container is never stopped or replaced.
    bool belongsTo(const ContainerInfo& current, const InstanceDesc& instance) const;
    // Whether an existing container must be re-created for `instance`.
    bool isOutdated(const ContainerInfo& current, const InstanceDesc& instance);
    RuntimeResult<OwnedContainer> ownedByName(const QString& name);
    RuntimeStatus removeOne(const QString& name, Duration grace);
    RuntimeStatus converge(const QString& name, bool running, DesiredState desired,
                           Duration grace, EnsureOutcome& outcome);

    // The container settings of an instance: the labels' and the node's DNS.
    ContainerConfig containerConfigOf(const InstanceDesc& in) const;

    DockerClient client_;
    NodeIdentity node_;
    QStringList dnsServers_;
    QString dnsGridSuffix_;   // "g.kontena.local"
    GridAddresses grid_;
};

}  // namespace kontena::docker
