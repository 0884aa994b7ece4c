#include "client/client.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QSaveFile>
#include <QTimer>

namespace kontena::client {

QString Config::directory() {
    const QString override = qEnvironmentVariable("KONTENA_CONFIG_DIR");
    return override.isEmpty() ? QDir::homePath() + QStringLiteral("/.kontena") : override;
}

QString Config::path() { return directory() + QStringLiteral("/config.json"); }

bool Config::load(QString* error) {
    masters.clear();
    current.clear();
    QFile f(path());
    if (!f.exists()) return true;
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(path());
        return false;
    }
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("%1 is not valid JSON: %2").arg(path(), err.errorString());
        return false;
    }
    const QJsonObject o = doc.object();
    current = o.value(QStringLiteral("current_master")).toString();
    for (const auto& v : o.value(QStringLiteral("masters")).toArray()) {
        const QJsonObject m = v.toObject();
        masters.append(MasterEntry{m.value(QStringLiteral("name")).toString(), m.value(QStringLiteral("url")).toString(),
                                   m.value(QStringLiteral("token")).toString(), m.value(QStringLiteral("grid")).toString(),
                                   m.value(QStringLiteral("email")).toString()});
    }
    return true;
}

bool Config::save(QString* error) const {
    QDir dir(directory());
    if (!dir.exists() && !QDir().mkpath(directory())) {
        *error = QStringLiteral("cannot create %1").arg(directory());
        return false;
    }
    QFile::setPermissions(directory(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QJsonArray list;
    for (const auto& m : masters) {
        list.append(QJsonObject{{QStringLiteral("name"), m.name},
                                {QStringLiteral("url"), m.url},
                                {QStringLiteral("token"), m.token},
                                {QStringLiteral("grid"), m.grid},
                                {QStringLiteral("email"), m.email}});
    }
    QSaveFile f(path());
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1").arg(path());
        return false;
    }
    // Owner-only before any byte of a token is written.
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(QJsonObject{{QStringLiteral("current_master"), current}, {QStringLiteral("masters"), list}}).toJson());
    if (!f.commit()) {
        *error = QStringLiteral("cannot write %1").arg(path());
        return false;
    }
    QFile::setPermissions(path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

QJsonObject masterJson(const MasterEntry& m, bool current) {
    return QJsonObject{{QStringLiteral("name"), m.name}, {QStringLiteral("url"), m.url}, {QStringLiteral("current"), current},
                       {QStringLiteral("grid"), m.grid}, {QStringLiteral("email"), m.email}};
}

MasterEntry* Config::find(const QString& name) {
    for (auto& m : masters) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

MasterEntry* Config::currentMaster() { return current.isEmpty() ? nullptr : find(current); }

void Config::upsert(const MasterEntry& m) {
    if (MasterEntry* e = find(m.name)) *e = m;
    else masters.append(m);
}

ApiClient::ApiClient(const QString& baseUrl, const QString& token, int timeoutMs)
    : base_(baseUrl.endsWith(QLatin1Char('/')) ? baseUrl.chopped(1) : baseUrl), token_(token), timeoutMs_(timeoutMs) {}

ApiResult ApiClient::get(const QString& path) { return send("GET", path, nullptr); }
ApiResult ApiClient::post(const QString& path, const QJsonObject& body) { return send("POST", path, &body); }
ApiResult ApiClient::put(const QString& path, const QJsonObject& body) { return send("PUT", path, &body); }
ApiResult ApiClient::patch(const QString& path, const QJsonObject& body) { return send("PATCH", path, &body); }
ApiResult ApiClient::del(const QString& path) { return send("DELETE", path, nullptr); }

QNetworkRequest apiRequest(const QString& baseUrl, const QString& path, const QString& token, const QString& agent) {
    QNetworkRequest req(QUrl(baseUrl + path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setHeader(QNetworkRequest::UserAgentHeader, agent);
    if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    return req;
}

ApiResult resultOf(QNetworkReply* reply, const QString& baseUrl, const QString& request) {
    ApiResult r;
    r.request = request;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    const QJsonDocument doc = QJsonDocument::fromJson(data);
    r.body = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    if (r.status == 0) {
        r.error = ApiError{0, QStringLiteral("cannot reach the master at %1: %2").arg(baseUrl, reply->errorString())};
    } else if (r.status >= 400) {
        r.error = api::errorOf(r.status, data);
    }
    return r;
}

ApiResult ApiClient::send(const QByteArray& verb, const QString& path, const QJsonObject* body) {
    const QNetworkRequest req = apiRequest(base_, path, token_, QStringLiteral("kontena-cli/0.1.0"));
    const QByteArray payload = body ? QJsonDocument(*body).toJson(QJsonDocument::Compact) : QByteArray();
    QNetworkReply* reply = nam_.sendCustomRequest(req, verb, payload);
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, reply, &QNetworkReply::abort);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs_);
    loop.exec();
    ApiResult r = resultOf(reply, base_, QString::fromLatin1(verb) + QLatin1Char(' ') + path);
    reply->deleteLater();
    return r;
}

AsyncApiClient::AsyncApiClient(const QString& baseUrl, const QString& token, int timeoutMs, QObject* parent)
    : QObject(parent), base_(baseUrl), token_(token), timeoutMs_(timeoutMs) {
    while (base_.endsWith(QLatin1Char('/'))) base_.chop(1);
}

void AsyncApiClient::get(const QString& path, Callback done) { send("GET", path, nullptr, std::move(done)); }
void AsyncApiClient::post(const QString& path, const QJsonObject& body, Callback done) { send("POST", path, &body, std::move(done)); }
void AsyncApiClient::put(const QString& path, const QJsonObject& body, Callback done) { send("PUT", path, &body, std::move(done)); }
void AsyncApiClient::del(const QString& path, Callback done) { send("DELETE", path, nullptr, std::move(done)); }

void AsyncApiClient::send(const QByteArray& verb, const QString& path, const QJsonObject* body, Callback done) {
    const QNetworkRequest req = apiRequest(base_, path, token_, QStringLiteral("kontena-admin/0.1.0"));
    const QByteArray payload = body ? QJsonDocument(*body).toJson(QJsonDocument::Compact) : QByteArray();
    QNetworkReply* reply = nam_.sendCustomRequest(req, verb, payload);
    auto* timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, &QNetworkReply::abort);
    timer->start(timeoutMs_);
    const QString request = QString::fromLatin1(verb) + QLatin1Char(' ') + path;
    QObject::connect(reply, &QNetworkReply::finished, this, [this, reply, request, done = std::move(done)] {
        const ApiResult r = resultOf(reply, base_, request);
        reply->deleteLater();
        if (done) done(r);
    });
}

}  // namespace kontena::client
