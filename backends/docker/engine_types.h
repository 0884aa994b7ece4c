#pragma once
// Plain values the engine reports, parsed from its JSON. Each keeps the raw
// JSON object too, for callers (and tests) that need a field not lifted here.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace kontena::docker {

using Labels = QMap<QString, QString>;

// One row of GET /containers/json.
struct ContainerSummary {
    QString id;
    QString name;       // without the leading '/'
    QString image;      // as created ("kbusy:test")
    QString imageId;    // "sha256:..."
    QString state;      // created, running, paused, restarting, removing, exited, dead
    QString status;     // "Up 3 seconds"
    Labels labels;
    qint64 created = 0; // unix seconds
};

struct ContainerState {
    QString status;     // as in ContainerSummary::state
    bool running = false;
    bool restarting = false;
    bool oomKilled = false;
    int exitCode = 0;
    qint64 pid = 0;
    QString error;
    QString startedAt, finishedAt;   // RFC 3339
};

// GET /containers/{id}/json, the fields the runtime uses.
struct ContainerInfo {
    QString id;
    QString name;       // without the leading '/'
    QString image;      // Config.Image as created
    QString imageId;    // "sha256:..."
    ContainerState state;
    Labels labels;
    QStringList env;
    int restartCount = 0;
    QString ipAddress;  // on the default bridge, else on its first network; empty: none
    QJsonObject raw;
};

struct ImageInfo {
    QString id;
    QStringList repoTags;
    qint64 size = 0;
    QJsonObject raw;
};

struct VolumeSpec {
    QString name;                          // empty: the engine names it
    QString driver = QStringLiteral("local");
    QMap<QString, QString> driverOptions;
    Labels labels;
};

struct VolumeInfo {
    QString name;
    QString driver;
    QString mountpoint;
    Labels labels;
    QMap<QString, QString> options;
    QJsonObject raw;
};

struct NetworkSpec {
    QString name;
    QString driver = QStringLiteral("bridge");
    QString subnet;     // "10.1.2.0/24"; empty: from the engine's pools
    QString gateway;
    bool internal = false;
    Labels labels;
    // Driver options, e.g. com.docker.network.bridge.name (the grid
    // overlay's `kontena` bridge) and com.docker.network.driver.mtu.
    Labels options;
};

struct NetworkInfo {
    QString id;
    QString name;
    QString driver;
    QString subnet;     // first IPAM config
    QString gateway;
    bool internal = false;
    Labels labels;
    QStringList containerIds;
    QJsonObject raw;
};

// GET /info: what the agent reports about its node.
struct EngineInfo {
    QString id;
    QString name;
    QString serverVersion;
    QString storageDriver;
    int cpus = 0;
    qint64 memTotal = 0;
    int containers = 0, containersRunning = 0;
    QStringList volumeDrivers;
    QJsonObject raw;
};

struct VersionInfo {
    QString version;
    QString apiVersion;
    QString minApiVersion;
    QJsonObject raw;
};

// One message of GET /events.
struct EngineEvent {
    QString type;       // container, image, volume, network, daemon, plugin
    QString action;     // create, start, die, kill, stop, destroy, ...
    QString actorId;
    Labels attributes;  // labels of the container, "name", "exitCode", ...
    qint64 timeNano = 0;
    QJsonObject raw;
};

enum class LogSource { Stdout, Stderr };

// One line (or unterminated tail) of a container's output.
struct LogLine {
    LogSource source = LogSource::Stdout;
    QByteArray text;     // without the trailing newline and timestamp
    qint64 timeNano = 0; // from the engine's timestamp; 0 if none was asked for
};

// One sample of GET /containers/{id}/stats.
struct StatsSample {
    QString read;                 // RFC 3339
    qint64 cpuTotalNs = 0, preCpuTotalNs = 0;
    qint64 systemCpuNs = 0, preSystemCpuNs = 0;
    int onlineCpus = 0;
    qint64 memoryUsage = 0, memoryLimit = 0;
    qint64 rxBytes = 0, txBytes = 0;
    qint64 pids = 0;
    QJsonObject raw;

    // Share of the whole host's CPU time, 0..100*onlineCpus, from the
    // difference to the previous sample the engine includes.
    double cpuPercent() const;
    // False for the engine's empty sample of a container that is not running
    // (zero "read" time and no memory reading).
    bool fromRunningContainer() const;
};

ContainerSummary parseContainerSummary(const QJsonObject& o);
ContainerInfo parseContainerInfo(const QJsonObject& o);
ImageInfo parseImageInfo(const QJsonObject& o);
VolumeInfo parseVolumeInfo(const QJsonObject& o);
NetworkInfo parseNetworkInfo(const QJsonObject& o);
EngineInfo parseEngineInfo(const QJsonObject& o);
VersionInfo parseVersionInfo(const QJsonObject& o);
EngineEvent parseEngineEvent(const QJsonObject& o);
StatsSample parseStatsSample(const QJsonObject& o);
Labels parseLabels(const QJsonValue& v);

}  // namespace kontena::docker
