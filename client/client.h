#pragma once
// kontena_client: what the `kontena` CLI and the `kontena-admin` GUI share
// to talk to a master: the configuration in ~/.kontena/ (masters, their
// tokens, the current grid) and a small JSON client for master/API.md that
// answers with the typed structs of api/ (paths from api::paths).

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

#include "api/errors.h"

namespace kontena::client {

struct MasterEntry {
    QString name;
    QString url;        // http(s)://host:port
    QString token;      // access token (never printed)
    QString grid;       // current grid on this master
    QString email;
};

// ~/.kontena/config.json (or $KONTENA_CONFIG_DIR/config.json), mode 0600 in
// a 0700 directory, replaced atomically on every save.
class Config {
public:
    static QString directory();
    static QString path();
    // Loads; a missing file is an empty configuration. False (and `error`)
    // when the file exists but is not readable JSON.
    bool load(QString* error);
    bool save(QString* error) const;

    QList<MasterEntry> masters;
    QString current;    // name of the current master

    MasterEntry* currentMaster();
    MasterEntry* find(const QString& name);
    void upsert(const MasterEntry& m);
};

// A configured master as `kontena master ls -o json` prints it (no token).
QJsonObject masterJson(const MasterEntry& m, bool current);

using ApiError = api::ApiError;

struct ApiResult {
    std::optional<ApiError> error;
    QJsonValue body;
    int status = 0;      // HTTP status of the answer; 0: none
    QString request;     // "GET /v1/grids", for messages
    QJsonObject object() const { return body.toObject(); }
    bool ok() const { return !error.has_value(); }
};

// An answer decoded as the api/ struct T. A body that is not a T is an
// error too (with the answer's status and the field that is wrong), so a
// caller only ever reads a well-formed value.
template <class T>
struct Typed {
    std::optional<ApiError> error;
    T value{};
    bool ok() const { return !error.has_value(); }
};

template <class T>
Typed<T> decodeAs(const ApiResult& r) {
    if (!r.ok()) return Typed<T>{r.error, T{}};
    auto decoded = T::fromJson(r.body);
    if (!decoded) {
        return Typed<T>{ApiError{r.status, QStringLiteral("the answer to %1 does not follow master/API.md: %2").arg(r.request, decoded.error().message)},
                        T{}};
    }
    return Typed<T>{std::nullopt, std::move(decoded).value()};
}

// The answer of a finished reply: the JSON body, and an error for HTTP
// status >= 400 (the API's {"error": ...} message) or no answer at all.
ApiResult resultOf(QNetworkReply* reply, const QString& baseUrl, const QString& request = QString());
// The request every client sends: JSON, the bearer token.
QNetworkRequest apiRequest(const QString& baseUrl, const QString& path, const QString& token, const QString& agent);

// Blocking calls for the CLI (a local event loop per request).
class ApiClient {
public:
    ApiClient(const QString& baseUrl, const QString& token, int timeoutMs = 30000);

    ApiResult get(const QString& path);
    ApiResult post(const QString& path, const QJsonObject& body = {});
    ApiResult put(const QString& path, const QJsonObject& body);
    ApiResult patch(const QString& path, const QJsonObject& body);
    ApiResult del(const QString& path);

    // Typed calls: the answer as the api/ struct T; bodies are api/ structs.
    template <class T>
    Typed<T> get(const QString& path) { return decodeAs<T>(get(path)); }
    template <class T, class Body>
    Typed<T> post(const QString& path, const Body& body) { return decodeAs<T>(post(path, body.toJson())); }
    template <class T, class Body>
    Typed<T> put(const QString& path, const Body& body) { return decodeAs<T>(put(path, body.toJson())); }

private:
    ApiResult send(const QByteArray& verb, const QString& path, const QJsonObject* body);
    QNetworkAccessManager nam_;
    QString base_;
    QString token_;
    int timeoutMs_;
};

// Asynchronous calls for the GUI: the callback runs in the event loop when
// the answer is there (or after the timeout), never blocking the caller.
class AsyncApiClient : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(const ApiResult&)>;
    AsyncApiClient(const QString& baseUrl, const QString& token, int timeoutMs = 15000, QObject* parent = nullptr);

    void get(const QString& path, Callback done);
    void post(const QString& path, const QJsonObject& body, Callback done);
    void put(const QString& path, const QJsonObject& body, Callback done);
    void del(const QString& path, Callback done);
    const QString& baseUrl() const { return base_; }

    // Typed calls: `done` gets the answer as the api/ struct T.
    template <class T>
    void get(const QString& path, std::function<void(const Typed<T>&)> done) {
        get(path, [done = std::move(done)](const ApiResult& r) { done(decodeAs<T>(r)); });
    }

private:
    void send(const QByteArray& verb, const QString& path, const QJsonObject* body, Callback done);
    QNetworkAccessManager nam_;
    QString base_;
    QString token_;
    int timeoutMs_;
};

}  // namespace kontena::client
