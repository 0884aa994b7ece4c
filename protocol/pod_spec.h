#pragma once
// A pod: one instance the master wants on a node, with the ServiceSpec
// fields an agent needs to make its container (reference 11.4). The master
// serialises the pods of a node for /node_service_pods/list; the agent turns
// them into the pure step's Pod and the runtime's InstanceDesc.

#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <optional>

#include "scheduler/agent_step.h"
#include "scheduler/model.h"

namespace kontena::protocol {

struct PodSpec {
    ServiceSpec spec;
    int instanceNumber = 1;
    DesiredState desired = DesiredState::Running;
    std::int64_t deployRev = 0;
    int serviceRevision = 1;
    bool operator==(const PodSpec&) const = default;

    // "<service key>/<n>", the pod's id on the wire.
    QString id() const;
};

QJsonObject toJson(const PodSpec& pod);
// The same object from the pod's fields, its spec's JSON given
// (toJson(spec), which a caller listing many pods of one service keeps).
QJsonObject podJson(const ServiceSpec& spec, const QJsonObject& specJson, int instanceNumber, DesiredState desired, std::int64_t deployRev,
                    int serviceRevision);
// nullopt (and `why`) when a field the agent cannot do without is missing
// or malformed (service name, image, instance number >= 1).
std::optional<PodSpec> podFromJson(const QJsonObject& o, QString* why = nullptr);

QJsonObject toJson(const ServiceSpec& spec);
ServiceSpec serviceSpecFromJson(const QJsonObject& o);

QString toWire(DesiredState s);
DesiredState desiredFromWire(const QString& s);   // unknown: Stopped
QString toWire(ObservedState s);
ObservedState observedFromWire(const QString& s); // unknown: Missing

// The pure agent step's view of the pod.
agent::Pod toAgentPod(const PodSpec& pod);

// The registry an image is pulled from, as Docker decides it: the first
// path component when it has a '.' or a ':' or is "localhost"
// ("registry.example.com:5000/team/app:1" -> "registry.example.com:5000");
// empty for Docker Hub ("mariadb:10", "kontena/lb"). The grid's registry
// credentials are found by it; an agent asks for them (kPodsSecrets) for a
// pod whose image has one.
QString registryHost(const QString& image);

}  // namespace kontena::protocol
