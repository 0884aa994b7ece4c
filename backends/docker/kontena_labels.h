#pragma once
// How a service instance becomes a Docker container (reference 11.4): its
// Kontena labels, injected environment and engine settings, and the way
// back from labels to the instance. Pure functions of their arguments.

#include <QStringList>

#include <optional>

#include "backends/docker/container_config.h"
#include "backends/docker/engine_types.h"
#include "backends/docker/node_runtime.h"

namespace kontena::docker::label {

inline constexpr char kServiceId[] = "io.kontena.service.id";
inline constexpr char kServiceName[] = "io.kontena.service.name";
inline constexpr char kInstanceNumber[] = "io.kontena.service.instance_number";
inline constexpr char kStackName[] = "io.kontena.stack.name";
inline constexpr char kGridName[] = "io.kontena.grid.name";
inline constexpr char kPlatformName[] = "io.kontena.platform.name";
inline constexpr char kContainerType[] = "io.kontena.container.type";   // container | volume
inline constexpr char kContainerName[] = "io.kontena.container.name";
inline constexpr char kContainerPod[] = "io.kontena.container.pod";     // <service id>/<n>
inline constexpr char kDeployRev[] = "io.kontena.container.deploy_rev";
inline constexpr char kServiceRevision[] = "io.kontena.container.service_revision";
inline constexpr char kStopGracePeriod[] = "io.kontena.container.stop_grace_period";  // seconds
inline constexpr char kHealthCheckPrefix[] = "io.kontena.health_check.";

}  // namespace kontena::docker::label

namespace kontena::docker {

// The io.kontena.* labels of the instance's service (or data) container.
Labels instanceLabels(const InstanceDesc& instance, const NodeIdentity& node, ContainerRole role);
// The service's env followed by the injected KONTENA_* variables (which win).
QStringList instanceEnv(const InstanceDesc& instance, const NodeIdentity& node);
// `volumes_from` entries with %s/%d/%i replaced by the instance number, and
// the stack prefix added to names in the same stack.
// The Docker volume a mount of instance `in` uses: for a named mount of a
// Kontena volume, its scoped name (`<stack>.<service>.<volume>-<n>`,
// `<stack>.<volume>` or `<volume>`, reference §5.3); otherwise the source.
std::string dockerVolumeName(const VolumeMount& v, const InstanceDesc& in);
QStringList resolveVolumesFrom(const ServiceSpec& spec, int instanceNumber);

// Everything the engine needs to create the service container.
ContainerConfig serviceContainerConfig(const InstanceDesc& instance, const NodeIdentity& node);
// The data-only container of a stateful instance: holds the anonymous volumes.
ContainerConfig dataContainerConfig(const InstanceDesc& instance, const NodeIdentity& node);

// The instance a container belongs to, from its labels; nullopt if the
// container is not one of ours.
std::optional<OwnedContainer> ownedFromSummary(const ContainerSummary& summary);
ObservedState observedStateOf(const QString& engineState);

}  // namespace kontena::docker
