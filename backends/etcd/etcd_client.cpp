#include "backends/etcd/etcd_client.h"

#include <curl/curl.h>

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <mutex>

namespace kontena::etcd {

namespace {

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

QString b64(const std::string& bytes) {
    return QString::fromLatin1(QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())).toBase64());
}

std::string unb64(const QJsonValue& v) {
    const QByteArray raw = QByteArray::fromBase64(v.toString().toLatin1());
    return std::string(raw.constData(), static_cast<std::size_t>(raw.size()));
}

// The gateway writes int64 as strings; absent fields are zero.
std::int64_t int64Of(const QJsonValue& v) {
    if (v.isString()) return v.toString().toLongLong();
    return static_cast<std::int64_t>(v.toDouble());
}

QString num(std::int64_t n) { return QString::number(n); }

size_t appendTo(char* data, size_t size, size_t count, void* user) {
    static_cast<QByteArray*>(user)->append(data, static_cast<qsizetype>(size * count));
    return size * count;
}

KeyValue keyValueOf(const QJsonObject& o) {
    KeyValue kv;
    kv.key = unb64(o.value(QStringLiteral("key")));
    kv.value = unb64(o.value(QStringLiteral("value")));
    kv.createRevision = int64Of(o.value(QStringLiteral("create_revision")));
    kv.modRevision = int64Of(o.value(QStringLiteral("mod_revision")));
    kv.version = int64Of(o.value(QStringLiteral("version")));
    kv.lease = int64Of(o.value(QStringLiteral("lease")));
    return kv;
}

QJsonObject compareJson(const Compare& c) {
    static const char* targets[] = {"CREATE", "MOD", "VERSION", "VALUE"};
    static const char* ops[] = {"EQUAL", "NOT_EQUAL", "LESS", "GREATER"};
    QJsonObject o{{QStringLiteral("key"), b64(c.key)},
                  {QStringLiteral("target"), QLatin1String(targets[static_cast<int>(c.target)])},
                  {QStringLiteral("result"), QLatin1String(ops[static_cast<int>(c.op)])}};
    switch (c.target) {
    case Compare::Target::CreateRevision: o[QStringLiteral("create_revision")] = num(c.number); break;
    case Compare::Target::ModRevision: o[QStringLiteral("mod_revision")] = num(c.number); break;
    case Compare::Target::Version: o[QStringLiteral("version")] = num(c.number); break;
    case Compare::Target::Value: o[QStringLiteral("value")] = b64(c.value); break;
    }
    return o;
}

QJsonObject operationJson(const Operation& op) {
    switch (op.kind) {
    case Operation::Kind::Put: {
        QJsonObject put{{QStringLiteral("key"), b64(op.key)}, {QStringLiteral("value"), b64(op.value)}};
        if (op.lease) put[QStringLiteral("lease")] = num(op.lease);
        return QJsonObject{{QStringLiteral("request_put"), put}};
    }
    case Operation::Kind::Delete:
        return QJsonObject{{QStringLiteral("request_delete_range"), QJsonObject{{QStringLiteral("key"), b64(op.key)}}}};
    case Operation::Kind::Get:
        return QJsonObject{{QStringLiteral("request_range"), QJsonObject{{QStringLiteral("key"), b64(op.key)}}}};
    }
    return {};
}

QJsonArray operationsJson(const std::vector<Operation>& ops) {
    QJsonArray a;
    for (const auto& op : ops) a.append(operationJson(op));
    return a;
}

}  // namespace

// One POST per call; a fresh curl handle each time keeps the client
// thread-safe without a pool (IPAM calls are rare next to container starts).
struct EtcdClient::Transport {
    std::vector<std::string> endpoints;
    std::chrono::milliseconds timeout;

    EtcdResult<QJsonObject> post(const char* path, const QJsonObject& body) const {
        const QByteArray payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        std::string lastError = "no etcd endpoint configured";
        for (const auto& endpoint : endpoints) {
            int status = 0;
            QByteArray answer;
            if (!perform(endpoint + path, payload, status, answer, lastError)) continue;
            QJsonParseError pe{};
            const QJsonDocument doc = QJsonDocument::fromJson(answer, &pe);
            if (status != 200) {
                const QString msg = doc.object().value(QStringLiteral("message")).toString(QString::fromUtf8(answer.left(200)));
                const ErrorKind kind = status >= 500 ? ErrorKind::Unavailable : ErrorKind::Rejected;
                return EtcdError{kind, "etcd " + endpoint + " answered " + std::to_string(status) + ": " + msg.toStdString()};
            }
            if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
                return EtcdError{ErrorKind::Malformed, "etcd " + endpoint + " sent an answer that is not a JSON object"};
            }
            return doc.object();
        }
        return EtcdError{ErrorKind::Unavailable, lastError};
    }

    bool perform(const std::string& url, const QByteArray& payload, int& status, QByteArray& answer, std::string& error) const {
        initCurlOnce();
        CURL* h = curl_easy_init();
        if (!h) {
            error = "curl_easy_init failed";
            return false;
        }
        char errbuf[CURL_ERROR_SIZE] = {0};
        curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<std::int64_t>(timeout.count(), 2000)));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.constData());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendTo);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
        const CURLcode rc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        curl_slist_free_all(headers);
        curl_easy_cleanup(h);
        if (rc != CURLE_OK) {
            error = "etcd " + url + ": " + (errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc)));
            return false;
        }
        status = static_cast<int>(code);
        return true;
    }
};

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : transport_(std::make_unique<Transport>(Transport{std::move(endpoints), timeout})) {}

EtcdClient::~EtcdClient() = default;

std::string EtcdClient::rangeEnd(const std::string& prefix) {
    std::string end = prefix;
    while (!end.empty()) {
        if (static_cast<unsigned char>(end.back()) < 0xff) {
            end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');   // every key
}

EtcdResult<std::optional<KeyValue>> EtcdClient::get(const std::string& key) const {
    auto r = transport_->post("/v3/kv/range", QJsonObject{{QStringLiteral("key"), b64(key)}});
    if (!r) return r.error();
    const QJsonArray kvs = r.value().value(QStringLiteral("kvs")).toArray();
    if (kvs.isEmpty()) return std::optional<KeyValue>();
    return std::optional<KeyValue>(keyValueOf(kvs.first().toObject()));
}

EtcdResult<std::vector<KeyValue>> EtcdClient::prefix(const std::string& prefix, bool keysOnly) const {
    QJsonObject body{{QStringLiteral("key"), b64(prefix)}, {QStringLiteral("range_end"), b64(rangeEnd(prefix))}};
    if (keysOnly) body[QStringLiteral("keys_only")] = true;
    auto r = transport_->post("/v3/kv/range", body);
    if (!r) return r.error();
    std::vector<KeyValue> out;
    for (const auto& v : r.value().value(QStringLiteral("kvs")).toArray()) out.push_back(keyValueOf(v.toObject()));
    return out;
}

EtcdResult<std::int64_t> EtcdClient::put(const std::string& key, const std::string& value, std::int64_t lease) const {
    QJsonObject body{{QStringLiteral("key"), b64(key)}, {QStringLiteral("value"), b64(value)}};
    if (lease) body[QStringLiteral("lease")] = num(lease);
    auto r = transport_->post("/v3/kv/put", body);
    if (!r) return r.error();
    return int64Of(r.value().value(QStringLiteral("header")).toObject().value(QStringLiteral("revision")));
}

EtcdResult<std::int64_t> EtcdClient::remove(const std::string& key) const {
    auto r = transport_->post("/v3/kv/deleterange", QJsonObject{{QStringLiteral("key"), b64(key)}});
    if (!r) return r.error();
    return int64Of(r.value().value(QStringLiteral("deleted")));
}

EtcdResult<bool> EtcdClient::txn(const Txn& t) const {
    QJsonArray compare;
    for (const auto& c : t.compare) compare.append(compareJson(c));
    const QJsonObject body{{QStringLiteral("compare"), compare},
                           {QStringLiteral("success"), operationsJson(t.success)},
                           {QStringLiteral("failure"), operationsJson(t.failure)}};
    auto r = transport_->post("/v3/kv/txn", body);
    if (!r) return r.error();
    return r.value().value(QStringLiteral("succeeded")).toBool();
}

EtcdResult<std::int64_t> EtcdClient::grantLease(std::int64_t ttlSeconds) const {
    auto r = transport_->post("/v3/lease/grant", QJsonObject{{QStringLiteral("TTL"), num(ttlSeconds)}});
    if (!r) return r.error();
    const std::int64_t id = int64Of(r.value().value(QStringLiteral("ID")));
    if (!id) return EtcdError{ErrorKind::Malformed, "etcd granted no lease id"};
    return id;
}

EtcdResult<bool> EtcdClient::keepAlive(std::int64_t lease) const {
    auto r = transport_->post("/v3/lease/keepalive", QJsonObject{{QStringLiteral("ID"), num(lease)}});
    if (!r) return r.error();
    const QJsonObject result = r.value().value(QStringLiteral("result")).toObject();
    return int64Of(result.value(QStringLiteral("TTL"))) > 0;
}

EtcdResult<std::int64_t> EtcdClient::leaderTerm() const {
    auto r = transport_->post("/v3/maintenance/status", QJsonObject{});
    if (!r) return r.error();
    // Member ids are uint64 written as strings: compare the text, never convert.
    const QString leader = r.value().value(QStringLiteral("leader")).toString();
    if (leader.isEmpty() || leader == QLatin1String("0")) return EtcdError{ErrorKind::Unavailable, "etcd has no leader"};
    return int64Of(r.value().value(QStringLiteral("raftTerm")));
}

EtcdResult<std::string> EtcdClient::leader() const {
    auto r = transport_->post("/v3/maintenance/status", QJsonObject{});
    if (!r) return r.error();
    const QString leader = r.value().value(QStringLiteral("leader")).toString();
    return leader.isEmpty() ? std::string("0") : leader.toStdString();
}

namespace {
std::vector<std::string> strings(const QJsonValue& v) {
    std::vector<std::string> out;
    for (const auto& x : v.toArray()) out.push_back(x.toString().toStdString());
    return out;
}
}  // namespace

EtcdResult<std::vector<Member>> EtcdClient::members() const {
    auto r = transport_->post("/v3/cluster/member/list", QJsonObject{});
    if (!r) return r.error();
    std::vector<Member> out;
    for (const auto& v : r.value().value(QStringLiteral("members")).toArray()) {
        const QJsonObject m = v.toObject();
        out.push_back(Member{m.value(QStringLiteral("ID")).toString().toStdString(), m.value(QStringLiteral("name")).toString().toStdString(),
                             strings(m.value(QStringLiteral("peerURLs"))), strings(m.value(QStringLiteral("clientURLs")))});
    }
    return out;
}

EtcdResult<std::string> EtcdClient::addMember(const std::string& peerUrl) const {
    auto r = transport_->post("/v3/cluster/member/add",
                              QJsonObject{{QStringLiteral("peerURLs"), QJsonArray{QString::fromStdString(peerUrl)}}});
    if (!r) return r.error();
    const QString id = r.value().value(QStringLiteral("member")).toObject().value(QStringLiteral("ID")).toString();
    if (id.isEmpty()) return EtcdError{ErrorKind::Malformed, "etcd added a member without an id"};
    return id.toStdString();
}

EtcdResult<bool> EtcdClient::removeMember(const std::string& id) const {
    auto r = transport_->post("/v3/cluster/member/remove", QJsonObject{{QStringLiteral("ID"), QString::fromStdString(id)}});
    if (!r) return r.error();
    return true;
}

}  // namespace kontena::etcd
