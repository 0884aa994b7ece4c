#pragma once
// DockerClient: the Docker Engine HTTP API v1.41 over the engine's unix
// socket, one method per call the platform makes.
//
// Contract:
//  - Every method blocks until the engine answered and is safe to call from
//    several threads at once (connections are pooled per client). A caller
//    that must not block (an event loop) runs them on a worker thread.
//  - Nothing throws. An answer >= 400 comes back as EngineError with the
//    engine's status and message; no answer at all as status 0.
//  - Long-lived responses (events, follow logs, streamed stats) are not here:
//    see engine_stream.h, which reconnects across daemon restarts.

#include <QString>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "backends/docker/container_config.h"
#include "backends/docker/engine_error.h"
#include "backends/docker/engine_types.h"
#include "backends/docker/http_transport.h"

namespace kontena::docker {

// Filters of list calls and of the events stream: {"label": ["a=b", "c"], "type": [...]}.
using EngineFilters = QMap<QString, QStringList>;
// The URL-encoded `filters` query value for `filters` (empty if none).
QByteArray encodeFilters(const EngineFilters& filters);

struct LogOptions {
    bool stdoutStream = true;
    bool stderrStream = true;
    bool timestamps = false;
    std::optional<qint64> sinceNano;   // only lines after this instant
    std::optional<int> tail;           // only the last N lines
};

class DockerClient {
public:
    // The engine at `socketPath` (see UnixSocketTransport::defaultSocketPath).
    explicit DockerClient(QString socketPath = UnixSocketTransport::defaultSocketPath());

    const QString& socketPath() const { return transport_->socketPath(); }

    // ---- engine
    EngineStatus ping();
    EngineResult<EngineInfo> info();
    EngineResult<VersionInfo> version();

    // ---- containers. `ref` is an id, an id prefix or a name.
    // Returns the new container's id; 409 if the name is taken, 404 if the
    // image is not present locally (the engine does not pull on create).
    EngineResult<QString> createContainer(const QString& name, const ContainerConfig& config);
    EngineStatus startContainer(const QString& ref);         // 304 counts as success
    // Sends the stop signal, waits `timeout` (default: the container's
    // StopTimeout), then SIGKILL. Already stopped counts as success.
    EngineStatus stopContainer(const QString& ref, std::optional<std::chrono::seconds> timeout = {});
    EngineStatus restartContainer(const QString& ref, std::optional<std::chrono::seconds> timeout = {});
    EngineStatus killContainer(const QString& ref, const QString& signal = QStringLiteral("SIGKILL"));
    EngineStatus removeContainer(const QString& ref, bool force = false, bool removeVolumes = false);
    EngineResult<ContainerInfo> inspectContainer(const QString& ref);
    EngineResult<std::vector<ContainerSummary>> listContainers(const EngineFilters& filters, bool all = true);
    // The container's output so far, both streams demultiplexed into lines.
    EngineResult<std::vector<LogLine>> containerLogs(const QString& ref, const LogOptions& options);
    // One stats sample (stream=false), with the engine's previous CPU reading.
    EngineResult<StatsSample> containerStats(const QString& ref);

    // ---- images
    EngineResult<ImageInfo> inspectImage(const QString& ref);
    // Pulls `ref` ("name:tag"); the engine's error (e.g. registry unreachable)
    // comes back as the EngineError message, prefixed with the image name.
    // `registryAuth`: Docker's X-Registry-Auth value (base64url JSON), if any.
    EngineStatus pullImage(const QString& ref, const QByteArray& registryAuth = {});

    // ---- volumes
    EngineResult<VolumeInfo> createVolume(const VolumeSpec& spec);
    EngineResult<VolumeInfo> inspectVolume(const QString& name);
    EngineStatus removeVolume(const QString& name, bool force = false);
    EngineResult<std::vector<VolumeInfo>> listVolumes(const EngineFilters& filters);

    // ---- networks
    EngineResult<QString> createNetwork(const NetworkSpec& spec);   // the new id
    EngineResult<NetworkInfo> inspectNetwork(const QString& ref);
    EngineStatus removeNetwork(const QString& ref);
    EngineResult<std::vector<NetworkInfo>> listNetworks(const EngineFilters& filters);

    // The raw call under every method above: `path` below /v1.41.
    EngineResult<HttpResponse> call(const QByteArray& method, const QByteArray& path,
                                    const QByteArray& body = {},
                                    std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    // One long response of `path` below /v1.41 (see UnixSocketTransport::stream).
    // `idleTimeout` > 0 ends the stream (not cleanly) after that long without data.
    StreamEnd stream(const QByteArray& path, const StreamCallbacks& callbacks, StreamCancel& cancel,
                     std::chrono::seconds idleTimeout = std::chrono::seconds(0));

private:
    EngineResult<QJsonValue> callJson(const QByteArray& method, const QByteArray& path,
                                      const QByteArray& body = {});
    EngineStatus callStatus(const QByteArray& method, const QByteArray& path,
                            std::initializer_list<int> alsoFine = {});

    std::shared_ptr<UnixSocketTransport> transport_;
};

// The API version prefix of every path the backend sends.
inline constexpr char kApiPrefix[] = "/v1.41";
// A path segment or query value, percent-encoded.
QByteArray urlPart(const QString& text);

}  // namespace kontena::docker
