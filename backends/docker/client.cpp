#include "backends/docker/client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include "backends/docker/stream_parsers.h"

namespace kontena::docker {

namespace {

QByteArray toJson(const QJsonObject& o) {
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray timeoutQuery(std::optional<std::chrono::seconds> timeout) {
    return timeout ? "?t=" + QByteArray::number(static_cast<qint64>(timeout->count())) : QByteArray();
}

template <typename T>
EngineResult<std::vector<T>> parseArray(const EngineResult<QJsonValue>& r,
                                        T (*parse)(const QJsonObject&)) {
    if (!r)
        return r.error();
    std::vector<T> out;
    const QJsonArray a = r.value().toArray();
    for (const QJsonValue& v : a)
        out.push_back(parse(v.toObject()));
    return out;
}

// The pull answer is 200 with a JSON progress stream; a failure mid-way is
// an {"error": ...} line in it.
std::optional<QString> errorInProgressStream(const QByteArray& body) {
    std::optional<QString> found;
    JsonLineSplitter splitter;
    splitter.feed(QByteArray(body + '\n'), [&](const QJsonObject& o) {
        if (o.contains(QLatin1String("error")))
            found = o.value(QLatin1String("error")).toString();
    });
    return found;
}

}  // namespace

QByteArray urlPart(const QString& text) {
    return QUrl::toPercentEncoding(text);
}

QByteArray encodeFilters(const EngineFilters& filters) {
    if (filters.isEmpty())
        return {};
    QJsonObject o;
    for (auto it = filters.cbegin(); it != filters.cend(); ++it)
        o.insert(it.key(), QJsonArray::fromStringList(it.value()));
    return QUrl::toPercentEncoding(QString::fromUtf8(toJson(o)));
}

DockerClient::DockerClient(QString socketPath)
    : transport_(std::make_shared<UnixSocketTransport>(std::move(socketPath))) {}

EngineResult<HttpResponse> DockerClient::call(const QByteArray& method, const QByteArray& path,
                                              const QByteArray& body, std::chrono::milliseconds timeout) {
    HttpRequest req;
    req.method = method;
    req.path = kApiPrefix + path;
    req.body = body;
    req.timeout = timeout;
    return transport_->request(req);
}

StreamEnd DockerClient::stream(const QByteArray& path, const StreamCallbacks& callbacks,
                               StreamCancel& cancel, std::chrono::seconds idleTimeout) {
    HttpRequest req;
    req.path = kApiPrefix + path;
    req.idleTimeout = idleTimeout;
    return transport_->stream(req, callbacks, cancel);
}

EngineResult<QJsonValue> DockerClient::callJson(const QByteArray& method, const QByteArray& path,
                                                const QByteArray& body) {
    auto r = call(method, path, body);
    if (!r)
        return r.error();
    if (r.value().status >= 400)
        return engineErrorFromBody(r.value().status, r.value().body);
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(r.value().body, &err);
    if (err.error != QJsonParseError::NoError)
        return EngineError{r.value().status, QStringLiteral("unreadable engine answer: ") + err.errorString()};
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

EngineStatus DockerClient::callStatus(const QByteArray& method, const QByteArray& path,
                                      std::initializer_list<int> alsoFine) {
    auto r = call(method, path);
    if (!r)
        return r.error();
    const int status = r.value().status;
    if (status < 300 || std::find(alsoFine.begin(), alsoFine.end(), status) != alsoFine.end())
        return Done{};
    return engineErrorFromBody(status, r.value().body);
}

// ------------------------------------------------------------- engine ----

EngineStatus DockerClient::ping() {
    return callStatus("GET", "/_ping");
}

EngineResult<EngineInfo> DockerClient::info() {
    auto r = callJson("GET", "/info");
    if (!r)
        return r.error();
    return parseEngineInfo(r.value().toObject());
}

EngineResult<VersionInfo> DockerClient::version() {
    auto r = callJson("GET", "/version");
    if (!r)
        return r.error();
    return parseVersionInfo(r.value().toObject());
}

// --------------------------------------------------------- containers ----

EngineResult<QString> DockerClient::createContainer(const QString& name, const ContainerConfig& config) {
    const QByteArray query = name.isEmpty() ? QByteArray() : "?name=" + urlPart(name);
    auto r = callJson("POST", "/containers/create" + query, toJson(toCreateBody(config)));
    if (!r)
        return r.error();
    return r.value().toObject().value(QLatin1String("Id")).toString();
}

EngineStatus DockerClient::startContainer(const QString& ref) {
    return callStatus("POST", "/containers/" + urlPart(ref) + "/start", {304});
}

EngineStatus DockerClient::stopContainer(const QString& ref, std::optional<std::chrono::seconds> timeout) {
    return callStatus("POST", "/containers/" + urlPart(ref) + "/stop" + timeoutQuery(timeout), {304});
}

EngineStatus DockerClient::restartContainer(const QString& ref, std::optional<std::chrono::seconds> timeout) {
    return callStatus("POST", "/containers/" + urlPart(ref) + "/restart" + timeoutQuery(timeout));
}

EngineStatus DockerClient::killContainer(const QString& ref, const QString& signal) {
    return callStatus("POST", "/containers/" + urlPart(ref) + "/kill?signal=" + urlPart(signal));
}

EngineStatus DockerClient::removeContainer(const QString& ref, bool force, bool removeVolumes) {
    const QByteArray query = QByteArray("?force=") + (force ? "1" : "0") + "&v=" + (removeVolumes ? "1" : "0");
    return callStatus("DELETE", "/containers/" + urlPart(ref) + query);
}

EngineResult<ContainerInfo> DockerClient::inspectContainer(const QString& ref) {
    auto r = callJson("GET", "/containers/" + urlPart(ref) + "/json");
    if (!r)
        return r.error();
    return parseContainerInfo(r.value().toObject());
}

EngineResult<std::vector<ContainerSummary>> DockerClient::listContainers(const EngineFilters& filters, bool all) {
    QByteArray query = QByteArray("?all=") + (all ? "1" : "0");
    if (!filters.isEmpty())
        query += "&filters=" + encodeFilters(filters);
    return parseArray(callJson("GET", "/containers/json" + query), &parseContainerSummary);
}

EngineResult<std::vector<LogLine>> DockerClient::containerLogs(const QString& ref, const LogOptions& o) {
    QByteArray query = QByteArray("?stdout=") + (o.stdoutStream ? "1" : "0") +
                       "&stderr=" + (o.stderrStream ? "1" : "0") + "&timestamps=" + (o.timestamps ? "1" : "0");
    if (o.sinceNano)
        query += "&since=" + toEngineSince(*o.sinceNano);
    if (o.tail)
        query += "&tail=" + QByteArray::number(*o.tail);
    auto r = call("GET", "/containers/" + urlPart(ref) + "/logs" + query);
    if (!r)
        return r.error();
    if (r.value().status >= 400)
        return engineErrorFromBody(r.value().status, r.value().body);
    std::vector<LogLine> lines;
    LogFrameDecoder decoder(o.timestamps);
    const auto collect = [&](const LogLine& l) { lines.push_back(l); };
    decoder.feed(r.value().body, collect);
    decoder.flush(collect);
    return lines;
}

EngineResult<StatsSample> DockerClient::containerStats(const QString& ref) {
    auto r = callJson("GET", "/containers/" + urlPart(ref) + "/stats?stream=false");
    if (!r)
        return r.error();
    return parseStatsSample(r.value().toObject());
}

// ------------------------------------------------------------- images ----

EngineResult<ImageInfo> DockerClient::inspectImage(const QString& ref) {
    auto r = callJson("GET", "/images/" + urlPart(ref) + "/json");
    if (!r)
        return r.error();
    return parseImageInfo(r.value().toObject());
}

EngineStatus DockerClient::pullImage(const QString& ref, const QByteArray& registryAuth) {
    const qsizetype colon = ref.lastIndexOf(u':');
    const bool hasTag = colon > ref.lastIndexOf(u'/');
    const QString name = hasTag ? ref.left(colon) : ref;
    const QString tag = hasTag ? ref.mid(colon + 1) : QStringLiteral("latest");
    HttpRequest req;
    req.method = "POST";
    req.path = QByteArray(kApiPrefix) + "/images/create?fromImage=" + urlPart(name) + "&tag=" + urlPart(tag);
    req.timeout = std::chrono::minutes(10);
    if (!registryAuth.isEmpty())
        req.headers.append("X-Registry-Auth: " + registryAuth);
    auto r = transport_->request(req);
    if (!r)
        return r.error();
    const QString prefix = QStringLiteral("pulling ") + ref + QStringLiteral(": ");
    if (r.value().status >= 400) {
        EngineError e = engineErrorFromBody(r.value().status, r.value().body);
        e.message.prepend(prefix);
        return e;
    }
    if (auto failure = errorInProgressStream(r.value().body))
        return EngineError{r.value().status, prefix + *failure};
    return Done{};
}

// ------------------------------------------------------------ volumes ----

EngineResult<VolumeInfo> DockerClient::createVolume(const VolumeSpec& spec) {
    QJsonObject body{{QStringLiteral("Name"), spec.name}, {QStringLiteral("Driver"), spec.driver}};
    QJsonObject opts, labels;
    for (auto it = spec.driverOptions.cbegin(); it != spec.driverOptions.cend(); ++it)
        opts.insert(it.key(), it.value());
    for (auto it = spec.labels.cbegin(); it != spec.labels.cend(); ++it)
        labels.insert(it.key(), it.value());
    body.insert(QStringLiteral("DriverOpts"), opts);
    body.insert(QStringLiteral("Labels"), labels);
    auto r = callJson("POST", "/volumes/create", toJson(body));
    if (!r)
        return r.error();
    return parseVolumeInfo(r.value().toObject());
}

EngineResult<VolumeInfo> DockerClient::inspectVolume(const QString& name) {
    auto r = callJson("GET", "/volumes/" + urlPart(name));
    if (!r)
        return r.error();
    return parseVolumeInfo(r.value().toObject());
}

EngineStatus DockerClient::removeVolume(const QString& name, bool force) {
    return callStatus("DELETE", "/volumes/" + urlPart(name) + (force ? "?force=1" : ""));
}

EngineResult<std::vector<VolumeInfo>> DockerClient::listVolumes(const EngineFilters& filters) {
    const QByteArray query = filters.isEmpty() ? QByteArray() : "?filters=" + encodeFilters(filters);
    auto r = callJson("GET", "/volumes" + query);
    if (!r)
        return r.error();
    return parseArray(EngineResult<QJsonValue>(r.value().toObject().value(QLatin1String("Volumes"))),
                      &parseVolumeInfo);
}

// ----------------------------------------------------------- networks ----

EngineResult<QString> DockerClient::createNetwork(const NetworkSpec& spec) {
    QJsonObject body{{QStringLiteral("Name"), spec.name},
                     {QStringLiteral("Driver"), spec.driver},
                     {QStringLiteral("Internal"), spec.internal},
                     {QStringLiteral("CheckDuplicate"), true}};
    QJsonObject labels;
    for (auto it = spec.labels.cbegin(); it != spec.labels.cend(); ++it)
        labels.insert(it.key(), it.value());
    body.insert(QStringLiteral("Labels"), labels);
    QJsonObject options;
    for (auto it = spec.options.cbegin(); it != spec.options.cend(); ++it)
        options.insert(it.key(), it.value());
    if (!options.isEmpty())
        body.insert(QStringLiteral("Options"), options);
    if (!spec.subnet.isEmpty()) {
        QJsonObject pool{{QStringLiteral("Subnet"), spec.subnet}};
        if (!spec.gateway.isEmpty())
            pool.insert(QStringLiteral("Gateway"), spec.gateway);
        body.insert(QStringLiteral("IPAM"), QJsonObject{{QStringLiteral("Driver"), QStringLiteral("default")},
                                                         {QStringLiteral("Config"), QJsonArray{pool}}});
    }
    auto r = callJson("POST", "/networks/create", toJson(body));
    if (!r)
        return r.error();
    return r.value().toObject().value(QLatin1String("Id")).toString();
}

EngineResult<NetworkInfo> DockerClient::inspectNetwork(const QString& ref) {
    auto r = callJson("GET", "/networks/" + urlPart(ref));
    if (!r)
        return r.error();
    return parseNetworkInfo(r.value().toObject());
}

EngineStatus DockerClient::removeNetwork(const QString& ref) {
    return callStatus("DELETE", "/networks/" + urlPart(ref));
}

EngineResult<std::vector<NetworkInfo>> DockerClient::listNetworks(const EngineFilters& filters) {
    const QByteArray query = filters.isEmpty() ? QByteArray() : "?filters=" + encodeFilters(filters);
    return parseArray(callJson("GET", "/networks" + query), &parseNetworkInfo);
}

}  // namespace kontena::docker
