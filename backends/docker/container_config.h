#pragma once
// What the backend asks the engine to create: one container's settings,
// and their translation into the body of POST /v1.41/containers/create.
// Every field here is sent; the Docker tests read each one back with inspect.

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace kontena::docker {

struct PortBinding {
    int containerPort = 0;
    QString protocol = QStringLiteral("tcp");
    QString hostIp;          // empty: all addresses
    int hostPort = 0;        // 0: the engine picks a free port
};

struct ContainerConfig {
    QString image;
    QStringList cmd;                       // empty: the image's
    QStringList entrypoint;                // empty: the image's
    QStringList env;                       // "KEY=VALUE"
    QMap<QString, QString> labels;
    QString hostname;
    QString user;
    QList<PortBinding> ports;
    QStringList binds;                     // "src:dst[:flags]", src a host path or a volume name
    QStringList anonymousVolumes;          // container paths
    QStringList volumesFrom;               // container names
    QString networkMode;                   // "bridge", "host", "container:<name>", a network name
    QString ipv4Address;                   // on the user network `networkMode` (its IPAM must allow it)
    std::optional<qint64> memory;          // bytes
    std::optional<qint64> memorySwap;      // bytes, memory + swap
    std::optional<qint64> shmSize;         // bytes
    std::optional<double> cpus;            // sent as NanoCpus
    std::optional<int> cpuShares;
    QString stopSignal;                    // empty: SIGTERM
    std::optional<int> stopTimeoutSeconds; // grace period of a plain stop
    bool init = true;                      // tini as PID 1, so SIGTERM works
    bool privileged = false;
    QStringList capAdd, capDrop;
    bool readOnlyRootfs = false;
    QString pidMode;
    QString logDriver;
    QMap<QString, QString> logOptions;
    QStringList dns;                       // resolvers (HostConfig.Dns); empty: the engine's
    QStringList dnsSearch;                 // search domains (HostConfig.DnsSearch)
};

// The JSON body of POST /containers/create for `config`.
QJsonObject toCreateBody(const ContainerConfig& config);

}  // namespace kontena::docker
