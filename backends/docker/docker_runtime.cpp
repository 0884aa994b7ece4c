#include "backends/docker/docker_runtime.h"

#include <algorithm>

#include "backends/docker/exec.h"
#include "backends/docker/kontena_labels.h"

namespace kontena::docker {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::chrono::seconds toSeconds(Duration d) {
    return std::chrono::seconds(d.ms / 1000);
}

RuntimeStatus statusOf(const EngineStatus& s) {
    if (!s)
        return toRuntimeError(s.error());
    return RuntimeDone{};
}

}  // namespace

RuntimeError toRuntimeError(const EngineError& e) {
    return RuntimeError{e.httpStatus, e.message.toStdString()};
}

DockerRuntime::DockerRuntime(DockerClient client, NodeIdentity node)
    : client_(std::move(client)), node_(std::move(node)) {}

RuntimeStatus DockerRuntime::ensureImage(const QString& image, const QByteArray& registryAuth) {
    const auto found = client_.inspectImage(image);
    if (found)
        return RuntimeDone{};
    if (!found.error().isNotFound())
        return toRuntimeError(found.error());
    return statusOf(client_.pullImage(image, registryAuth));
}

RuntimeStatus DockerRuntime::ensureDataContainer(const InstanceDesc& in) {
    const QString name = q(in.dataContainerName());
    const auto existing = client_.inspectContainer(name);
    if (existing)
        return RuntimeDone{};   // kept across re-creates: it holds the data
    if (!existing.error().isNotFound())
        return toRuntimeError(existing.error());
    const auto made = client_.createContainer(name, dataContainerConfig(in, node_));
    if (!made && !made.error().isConflict())
        return toRuntimeError(made.error());
    return RuntimeDone{};
}

RuntimeResult<OwnedContainer> DockerRuntime::ownedByName(const QString& name) {
    const auto info = client_.inspectContainer(name);
    if (!info)
        return toRuntimeError(info.error());
    ContainerSummary summary;
    summary.id = info.value().id;
    summary.name = info.value().name;
    summary.state = info.value().state.status;
    summary.labels = info.value().labels;
    auto owned = ownedFromSummary(summary);
    if (!owned)
        return RuntimeError{409, "container " + name.toStdString() + " exists but is not Kontena's"};
    return *owned;
}

RuntimeResult<OwnedContainer> DockerRuntime::create(const InstanceDesc& in) {
    if (auto image = ensureImage(q(in.spec.image), QByteArray::fromStdString(in.registryAuth)); !image)
        return image.error();
    if (in.spec.stateful) {
        if (auto data = ensureDataContainer(in); !data)
            return data.error();
    }
    // Kontena volumes of stack services: the scoped Docker volume, made with the volume's driver and options.
    for (const VolumeMount& v : in.spec.volumes) {
        if (v.kind != VolumeKind::Named || !v.volume)
            continue;
        if (auto made = ensureVolume(dockerVolumeName(v, in), v.volume->driver, v.volume->driverOpts); !made)
            return made.error();
    }
    const QString name = q(in.containerName());
    ContainerConfig config = containerConfigOf(in);
    const bool gridAddress = grid_.allocate && config.networkMode == QLatin1String("bridge");
    if (gridAddress) {
        auto address = grid_.allocate(in.containerName());
        if (!address)
            return address.error();
        config.networkMode = grid_.network;
        config.ipv4Address = q(address.value());
        config.labels.insert(QStringLiteral("io.kontena.container.overlay_cidr"), config.ipv4Address + u'/' + QString::number(grid_.prefix));
        config.labels.insert(QStringLiteral("io.kontena.container.overlay_network"), grid_.network);
    }
    const auto made = client_.createContainer(name, config);
    if (!made) {
        if (gridAddress && grid_.release)
            grid_.release(in.containerName());
        return toRuntimeError(made.error());
    }
    return ownedByName(name);
}

bool DockerRuntime::belongsTo(const ContainerInfo& current, const InstanceDesc& in) const {
    const Labels& l = current.labels;
    return l.value(QLatin1String(label::kServiceId)) == q(in.serviceId()) &&
           l.value(QLatin1String(label::kInstanceNumber)) == QString::number(in.instanceNumber) &&
           l.value(QLatin1String(label::kGridName)) == q(node_.grid) &&
           l.value(QLatin1String(label::kContainerType)) == QLatin1String("container");
}

bool DockerRuntime::isOutdated(const ContainerInfo& current, const InstanceDesc& in) {
    const int revision = current.labels.value(QLatin1String(label::kServiceRevision)).toInt();
    if (revision < in.serviceRevision || current.state.status == QLatin1String("dead"))
        return true;
    const qint64 deployRev = current.labels.value(QLatin1String(label::kDeployRev)).toLongLong();
    if (deployRev == in.deployRev)
        return false;
    // A new deploy re-creates only if the image behind the tag changed.
    const auto image = client_.inspectImage(q(in.spec.image));
    return image && image.value().id != current.imageId;
}

RuntimeStatus DockerRuntime::converge(const QString& name, bool running, DesiredState desired,
                                      Duration grace, EnsureOutcome& outcome) {
    if (desired == DesiredState::Running && !running) {
        if (auto s = statusOf(client_.startContainer(name)); !s)
            return s;
        outcome.started = true;
    } else if (desired == DesiredState::Stopped && running) {
        if (auto s = statusOf(client_.stopContainer(name, toSeconds(grace))); !s)
            return s;
        outcome.stopped = true;
    }
    return RuntimeDone{};
}

RuntimeResult<EnsureOutcome> DockerRuntime::ensure(const InstanceDesc& in, DesiredState desired) {
    const QString name = q(in.containerName());
    EnsureOutcome outcome;
    auto current = client_.inspectContainer(name);
    if (!current && !current.error().isNotFound())
        return toRuntimeError(current.error());
    if (current && !belongsTo(current.value(), in))
        return RuntimeError{409, "container " + in.containerName() + " exists but is not instance " +
                                     in.serviceId() + "/" + std::to_string(in.instanceNumber) + " of grid " + node_.grid};
    if (current && isOutdated(current.value(), in)) {
        if (auto gone = removeOne(name, in.spec.stopGracePeriod); !gone)
            return gone.error();
        outcome.recreated = true;
    }
    bool running = current && !outcome.recreated && current.value().state.running;
    if (!current || outcome.recreated) {
        auto made = create(in);
        if (!made)
            return made.error();
        outcome.created = !outcome.recreated;
        running = false;
    }
    if (auto s = converge(name, running, desired, in.spec.stopGracePeriod, outcome); !s)
        return s.error();
    auto owned = ownedByName(name);
    if (!owned)
        return owned.error();
    outcome.container = owned.value();
    return outcome;
}

RuntimeStatus DockerRuntime::start(const std::string& name) {
    return statusOf(client_.startContainer(q(name)));
}

RuntimeStatus DockerRuntime::stop(const std::string& name, Duration grace) {
    return statusOf(client_.stopContainer(q(name), toSeconds(grace)));
}

RuntimeStatus DockerRuntime::restart(const std::string& name, Duration grace) {
    return statusOf(client_.restartContainer(q(name), toSeconds(grace)));
}

RuntimeStatus DockerRuntime::removeOne(const QString& name, Duration grace) {
    const auto stopped = client_.stopContainer(name, toSeconds(grace));
    if (!stopped && !stopped.error().isNotFound())
        return toRuntimeError(stopped.error());
    const auto removed = client_.removeContainer(name, true, false);
    if (!removed && !removed.error().isNotFound())
        return toRuntimeError(removed.error());
    if (grid_.release)
        grid_.release(name.toStdString());   // its grid address, if it had one
    return RuntimeDone{};
}

RuntimeStatus DockerRuntime::remove(const std::string& name, Duration grace, bool removeData) {
    const auto current = client_.inspectContainer(q(name));
    if (!current && !current.error().isNotFound())
        return toRuntimeError(current.error());
    if (current && current.value().labels.value(QLatin1String(label::kGridName)) != q(node_.grid))
        return RuntimeError{409, "container " + name + " is not one of grid " + node_.grid + "'s"};
    if (auto s = removeOne(q(name), grace); !s)
        return s;
    if (!removeData)
        return RuntimeDone{};
    // The data container's anonymous volumes go with it.
    const auto removed = client_.removeContainer(q(name + "-volumes"), true, true);
    if (!removed && !removed.error().isNotFound())
        return toRuntimeError(removed.error());
    return RuntimeDone{};
}

RuntimeResult<std::vector<OwnedContainer>> DockerRuntime::listOwned() {
    const EngineFilters filters{
        {QStringLiteral("label"), {QLatin1String(label::kGridName) + u'=' + q(node_.grid),
                                   QLatin1String(label::kContainerType)}}};
    const auto list = client_.listContainers(filters, true);
    if (!list)
        return toRuntimeError(list.error());
    std::vector<OwnedContainer> owned;
    for (const ContainerSummary& c : list.value())
        if (auto o = ownedFromSummary(c))
            owned.push_back(*o);
    std::sort(owned.begin(), owned.end(),
              [](const OwnedContainer& a, const OwnedContainer& b) { return a.name < b.name; });
    return owned;
}

RuntimeStatus DockerRuntime::ensureVolume(const std::string& name, const std::string& driver,
                                          const std::map<std::string, std::string>& driverOpts) {
    VolumeSpec spec;
    spec.name = q(name);
    spec.driver = q(driver);
    for (const auto& [k, v] : driverOpts)
        spec.driverOptions.insert(q(k), q(v));
    spec.labels.insert(QLatin1String(label::kGridName), q(node_.grid));
    const auto made = client_.createVolume(spec);   // idempotent in the engine
    if (!made)
        return toRuntimeError(made.error());
    return RuntimeDone{};
}

RuntimeStatus DockerRuntime::removeVolume(const std::string& name) {
    const auto removed = client_.removeVolume(q(name));
    if (!removed && !removed.error().isNotFound())
        return toRuntimeError(removed.error());
    return RuntimeDone{};
}

namespace {

// A hook may run for long (cluster setup), not forever.
constexpr std::chrono::minutes kCommandLimit{10};

CommandOutcome outcomeOf(const ExecOutput& o) {
    return CommandOutcome{o.exitCode, QByteArray(o.out + o.err).toStdString()};
}

QStringList qlist(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v)
        out.append(q(s));
    return out;
}

}  // namespace

RuntimeResult<CommandOutcome> DockerRuntime::exec(const std::string& containerName, const std::vector<std::string>& cmd) {
    auto r = runExec(client_, q(containerName), qlist(cmd), kCommandLimit);
    if (!r)
        return toRuntimeError(r.error());
    return outcomeOf(r.value());
}

RuntimeResult<CommandOutcome> DockerRuntime::runOnce(const InstanceDesc& instance, const std::vector<std::string>& cmd) {
    if (auto image = ensureImage(q(instance.spec.image), QByteArray::fromStdString(instance.registryAuth)); !image)
        return image.error();
    ContainerConfig c = containerConfigOf(instance);
    // Not the instance: no labels (listOwned must not see it), no ports, no name.
    c.labels.clear();
    c.ports.clear();
    c.volumesFrom.clear();
    // The command replaces the image's entrypoint, as `docker run --entrypoint` would.
    c.cmd = qlist(cmd);
    c.entrypoint = c.cmd.isEmpty() ? QStringList() : QStringList{c.cmd.takeFirst()};
    auto r = docker::runOnce(client_, c, kCommandLimit);
    if (!r)
        return toRuntimeError(r.error());
    return outcomeOf(r.value());
}

void DockerRuntime::setServiceDns(QStringList servers, QString gridDomainSuffix) {
    dnsServers_ = std::move(servers);
    dnsGridSuffix_ = std::move(gridDomainSuffix);
}

ContainerConfig DockerRuntime::containerConfigOf(const InstanceDesc& in) const {
    ContainerConfig c = serviceContainerConfig(in, node_);
    // The engine refuses Dns with another container's network stack; host and none have no use for it.
    const std::string& net = in.spec.net;
    if (dnsServers_.isEmpty() || net == "host" || net == "none" || net.rfind("container:", 0) == 0) return c;
    c.dns = dnsServers_;
    // Short names: "db" finds db.<stack>.<grid>.kontena.local (reference §7.2).
    if (in.spec.stack != "null") c.dnsSearch.append(q(in.spec.stack) + u'.' + dnsGridSuffix_);
    c.dnsSearch.append(dnsGridSuffix_);
    return c;
}

}  // namespace kontena::docker
