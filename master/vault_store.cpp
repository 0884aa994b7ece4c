#include "master/vault_store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

Q_LOGGING_CATEGORY(lcVault, "kontena.master.vault")

namespace kontena::master {

namespace {

const QString kSecret = QStringLiteral("secret");
const QString kCanary = QStringLiteral("canary");
const QString kCertificate = QStringLiteral("certificate");
const QString kRegistry = QStringLiteral("registry");

vault::RecordKind recordKind(const QString& kind) {
    if (kind == kCanary) return vault::RecordKind::Canary;
    if (kind == kCertificate) return vault::RecordKind::Certificate;
    if (kind == kRegistry) return vault::RecordKind::Registry;
    return vault::RecordKind::Secret;
}

vault::Address addressOf(const QString& grid, const QString& kind, const QString& name) {
    return vault::Address{grid.toStdString(), recordKind(kind), name.toStdString()};
}

QString text(const std::string& s) { return QString::fromStdString(s); }
QByteArray compact(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

QJsonArray textArray(const std::vector<std::string>& v) {
    QJsonArray out;
    for (const std::string& s : v) out.append(text(s));
    return out;
}

// What may be listed without the key.
QJsonObject certificateMeta(const vault::Certificate& c) {
    return QJsonObject{{QStringLiteral("alt_names"), textArray(c.altNames)},
                       {QStringLiteral("valid_until"), static_cast<double>(c.validUntil.ms)},
                       {QStringLiteral("origin"), QString::fromLatin1(vault::originName(c.origin))}};
}

// The sealed form: the listable part, the PEM texts and the key.
QJsonObject certificateRecord(const vault::Certificate& c) {
    QJsonObject o = certificateMeta(c);
    o.insert(QStringLiteral("subject"), text(c.subject));
    o.insert(QStringLiteral("certificate"), text(c.certificate));
    o.insert(QStringLiteral("chain"), text(c.chain));
    o.insert(QStringLiteral("private_key"), text(c.privateKey));
    return o;
}

vault::Certificate certificateOf(const QJsonObject& o) {
    vault::Certificate c;
    c.subject = o.value(QStringLiteral("subject")).toString().toStdString();
    for (const auto& a : o.value(QStringLiteral("alt_names")).toArray()) c.altNames.push_back(a.toString().toStdString());
    c.validUntil = Instant(static_cast<std::int64_t>(o.value(QStringLiteral("valid_until")).toDouble()));
    c.certificate = o.value(QStringLiteral("certificate")).toString().toStdString();
    c.chain = o.value(QStringLiteral("chain")).toString().toStdString();
    c.privateKey = o.value(QStringLiteral("private_key")).toString().toStdString();
    c.origin = o.value(QStringLiteral("origin")).toString() == QLatin1String("acme") ? vault::Origin::Acme : vault::Origin::Import;
    return c;
}

QJsonObject registryMeta(const vault::RegistryCredentials& c) {
    return QJsonObject{{QStringLiteral("url"), text(c.url)}, {QStringLiteral("username"), text(c.username)}, {QStringLiteral("email"), text(c.email)}};
}

template <class T>
std::optional<T> first(const QList<T>& list) {
    if (list.isEmpty()) return std::nullopt;
    return list.first();
}

SecretInfo secretInfoOf(const QString& grid, const QString& name, const QJsonObject&, qint64 createdAt, qint64 updatedAt) {
    return SecretInfo{grid, name, createdAt, updatedAt};
}

// A record's JSON, or an error (a sealed record that opened is ours, so this only fails on damage).
Result<QJsonObject> jsonOf(const Result<QByteArray>& opened) {
    if (!opened) return opened.error();
    const QJsonDocument d = QJsonDocument::fromJson(opened.value());
    if (!d.isObject()) return Error{"the record is not a JSON object"};
    return d.object();
}

}  // namespace

// The table, and the meta column a store from before certificates lacks.
bool VaultStore::prepareTable(QString* error) {
    QSqlQuery q(store_.database());
    bool ok = q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS vault (grid TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, "
                                    "sealed TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, "
                                    "meta TEXT NOT NULL DEFAULT '', PRIMARY KEY (grid, kind, name))"));
    bool hasMeta = false;
    // Asked in SQL both SQLite and PostgreSQL read (the store may be either).
    if (ok) hasMeta = QSqlQuery(store_.database()).exec(QStringLiteral("SELECT meta FROM vault LIMIT 0"));
    if (ok && !hasMeta) ok = q.exec(QStringLiteral("ALTER TABLE vault ADD COLUMN meta TEXT NOT NULL DEFAULT ''"));
    if (!ok) *error = QStringLiteral("cannot prepare the vault table: ") + q.lastError().text();
    return ok;
}

bool VaultStore::open(std::unique_ptr<vault::Keyring> keys, const QStringList& grids, QString* error) {
    if (!prepareTable(error)) return false;
    if (!keys || keys->empty()) return true;   // not configured: every vault route answers 503
    const vault::Cipher cipher(*keys);
    if (!checkCanaries(cipher, error) || !resealOlder(cipher, keys->currentVersion(), error)) return false;
    keys_ = std::move(keys);
    for (const QString& g : grids) ensureCanary(g);
    qCInfo(lcVault).noquote() << QStringLiteral("vault: open with key version %1, %2 secrets, %3 certificates, %4 registries")
                                     .arg(keys_->currentVersion())
                                     .arg(rows(kSecret).size())
                                     .arg(rows(kCertificate).size())
                                     .arg(rows(kRegistry).size());
    return true;
}

// Before anything is re-sealed: a wrong key file must not touch the store.
bool VaultStore::checkCanaries(const vault::Cipher& cipher, QString* error) const {
    for (const Row& r : rows(kCanary)) {
        if (!cipher.canaryOpens(r.grid.toStdString(), r.sealed.toStdString())) {
            *error = QStringLiteral("the vault key file does not open grid %1's secrets: wrong key? (the store was sealed with key version %2)")
                         .arg(r.grid)
                         .arg(vault::Cipher::versionOf(r.sealed.toStdString()));
            return false;
        }
    }
    return true;
}

// Rotation: every record sealed with an older key version, re-sealed in one
// transaction. A record that does not open (damaged) is left as it is and
// named in a warning: one bad record must not keep the master from starting.
bool VaultStore::resealOlder(const vault::Cipher& cipher, std::uint32_t current, QString* error) {
    const QList<Row> all = rows(QString());
    QSqlDatabase db = store_.database();
    db.transaction();
    int resealed = 0, damaged = 0;
    for (const Row& r : all) {
        if (vault::Cipher::versionOf(r.sealed.toStdString()) == current) continue;
        auto fresh = cipher.reseal(addressOf(r.grid, r.kind, r.name), r.sealed.toStdString());
        if (!fresh) {
            ++damaged;
            qCWarning(lcVault).noquote() << "vault:" << r.kind << "record" << r.grid + QLatin1Char('/') + r.name << "does not open; left as it is:"
                                         << QString::fromStdString(fresh.error().message);
            continue;
        }
        QSqlQuery q(db);
        q.prepare(QStringLiteral("UPDATE vault SET sealed = ? WHERE grid = ? AND kind = ? AND name = ?"));
        for (const QString& v : {QString::fromStdString(fresh.value()), r.grid, r.kind, r.name}) q.addBindValue(v);
        if (!q.exec()) {
            db.rollback();
            *error = QStringLiteral("cannot re-seal the vault: ") + q.lastError().text();
            return false;
        }
        ++resealed;
    }
    if (!db.commit()) {
        *error = QStringLiteral("cannot re-seal the vault: ") + db.lastError().text();
        return false;
    }
    if (resealed || damaged) {
        qCInfo(lcVault).noquote() << QStringLiteral("vault: re-sealed %1 of %2 records with key version %3; %4 did not open")
                                         .arg(resealed).arg(all.size()).arg(current).arg(damaged);
    }
    return true;
}

QList<VaultStore::Row> VaultStore::rows(const QString& kind) const {
    QList<Row> out;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT grid, kind, name, sealed FROM vault") + (kind.isEmpty() ? QString() : QStringLiteral(" WHERE kind = ?")) +
              QStringLiteral(" ORDER BY grid, kind, name"));
    if (!kind.isEmpty()) q.addBindValue(kind);
    if (!q.exec()) return out;
    while (q.next()) out.append(Row{q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString()});
    return out;
}

QList<VaultStore::Listed> VaultStore::listed(const QString& grid, const QString& kind, const std::optional<QString>& name) const {
    QList<Listed> out;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT grid, name, meta, created_at, updated_at FROM vault WHERE grid = ? AND kind = ?") +
              (name ? QStringLiteral(" AND name = ?") : QStringLiteral(" ORDER BY name")));
    q.addBindValue(grid);
    q.addBindValue(kind);
    if (name) q.addBindValue(*name);
    if (!q.exec()) return out;
    while (q.next()) {
        out.append(Listed{q.value(0).toString(), q.value(1).toString(), QJsonDocument::fromJson(q.value(2).toByteArray()).object(),
                          q.value(3).toLongLong(), q.value(4).toLongLong()});
    }
    return out;
}

std::optional<Result<QByteArray>> VaultStore::openRecord(const QString& grid, const QString& kind, const QString& name) const {
    Q_ASSERT(configured());
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT sealed FROM vault WHERE grid = ? AND kind = ? AND name = ?"));
    q.addBindValue(grid);
    q.addBindValue(kind);
    q.addBindValue(name);
    if (!q.exec() || !q.next()) return std::nullopt;
    auto opened = vault::Cipher(*keys_).open(addressOf(grid, kind, name), q.value(0).toString().toStdString());
    if (!opened) return Result<QByteArray>(opened.error());
    return Result<QByteArray>(QByteArray::fromStdString(opened.value()));
}

bool VaultStore::removeRecord(const QString& grid, const QString& kind, const QString& name) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("DELETE FROM vault WHERE grid = ? AND kind = ? AND name = ?"));
    q.addBindValue(grid);
    q.addBindValue(kind);
    q.addBindValue(name);
    return q.exec() && q.numRowsAffected() > 0;
}

bool VaultStore::putRecord(const QString& grid, const QString& kind, const QString& name, const QByteArray& plain, const QJsonObject& meta,
                           qint64 createdAt, qint64 updatedAt) {
    Q_ASSERT(configured());
    ensureCanary(grid);
    const std::string sealed = vault::Cipher(*keys_).seal(addressOf(grid, kind, name), plain.toStdString());
    return putSealed(grid, kind, name, text(sealed), meta.isEmpty() ? QString() : QString::fromUtf8(compact(meta)), createdAt, updatedAt);
}

bool VaultStore::putSealed(const QString& grid, const QString& kind, const QString& name, const QString& sealed, const QString& meta,
                           qint64 createdAt, qint64 updatedAt) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("INSERT INTO vault (grid, kind, name, sealed, created_at, updated_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT (grid, kind, name) DO UPDATE SET sealed = excluded.sealed, created_at = excluded.created_at, "
                             "updated_at = excluded.updated_at, meta = excluded.meta"));
    // No meta is '' (the column is NOT NULL; an upsert does not fill in the default as OR REPLACE did).
    for (const QVariant& v : {QVariant(grid), QVariant(kind), QVariant(name), QVariant(sealed), QVariant(createdAt), QVariant(updatedAt),
                             QVariant(meta.isNull() ? QStringLiteral("") : meta)}) {
        q.addBindValue(v);
    }
    if (q.exec()) return true;
    qCWarning(lcVault).noquote() << "vault: cannot store" << grid << kind << name << ":" << q.lastError().text();
    return false;
}

// Secrets

QList<SecretInfo> VaultStore::list(const QString& grid) const { return infos(grid, kSecret, secretInfoOf); }

std::optional<SecretInfo> VaultStore::find(const QString& grid, const QString& name) const { return first(infos(grid, kSecret, secretInfoOf, name)); }

VaultStore::Write VaultStore::create(const QString& grid, const QString& name, const QByteArray& value, qint64 nowMs) {
    Q_ASSERT(configured());
    if (find(grid, name)) return Write::Exists;
    return putRecord(grid, kSecret, name, value, {}, nowMs, nowMs) ? Write::Created : Write::Failed;
}

VaultStore::Write VaultStore::update(const QString& grid, const QString& name, const QByteArray& value, bool upsert, qint64 nowMs) {
    Q_ASSERT(configured());
    const auto existing = find(grid, name);
    if (!existing) return upsert ? create(grid, name, value, nowMs) : Write::Missing;
    const auto current = read(grid, name);
    if (current && *current && current->value() == value) return Write::Unchanged;
    return putRecord(grid, kSecret, name, value, {}, existing->createdAt, nowMs) ? Write::Updated : Write::Failed;
}

std::optional<Result<QByteArray>> VaultStore::read(const QString& grid, const QString& name) const { return openRecord(grid, kSecret, name); }

bool VaultStore::remove(const QString& grid, const QString& name) { return removeRecord(grid, kSecret, name); }

// Certificates

namespace {

CertificateInfo certificateInfoOf(const QString& grid, const QString& subject, const QJsonObject& meta, qint64 createdAt, qint64 updatedAt) {
    CertificateInfo c{grid, subject, {}, static_cast<qint64>(meta.value(QStringLiteral("valid_until")).toDouble()),
                      meta.value(QStringLiteral("origin")).toString(), createdAt, updatedAt};
    for (const auto& a : meta.value(QStringLiteral("alt_names")).toArray()) c.altNames.append(a.toString());
    return c;
}

}  // namespace

VaultStore::Write VaultStore::putCertificate(const QString& grid, const vault::Certificate& c, qint64 nowMs) {
    const QString subject = text(c.subject);
    const auto existing = findCertificate(grid, subject);
    const bool stored = putRecord(grid, kCertificate, subject, compact(certificateRecord(c)), certificateMeta(c),
                                  existing ? existing->createdAt : nowMs, nowMs);
    if (!stored) return Write::Failed;
    return existing ? Write::Updated : Write::Created;
}

QList<CertificateInfo> VaultStore::certificates(const QString& grid) const { return infos(grid, kCertificate, certificateInfoOf); }

std::optional<CertificateInfo> VaultStore::findCertificate(const QString& grid, const QString& subject) const {
    return first(infos(grid, kCertificate, certificateInfoOf, subject));
}

std::optional<Result<vault::Certificate>> VaultStore::certificate(const QString& grid, const QString& subject) const {
    const auto opened = openRecord(grid, kCertificate, subject);
    if (!opened) return std::nullopt;
    const auto record = jsonOf(*opened);
    if (!record) return Result<vault::Certificate>(record.error());
    return Result<vault::Certificate>(certificateOf(record.value()));
}

std::optional<Result<QByteArray>> VaultStore::certificateBundle(const QString& grid, const QString& subject) const {
    const auto c = certificate(grid, subject);
    if (!c) return std::nullopt;
    if (!*c) return Result<QByteArray>(c->error());
    return Result<QByteArray>(QByteArray::fromStdString(c->value().bundle()));
}

bool VaultStore::removeCertificate(const QString& grid, const QString& subject) { return removeRecord(grid, kCertificate, subject); }

// External registries

namespace {

RegistryInfo registryInfoOf(const QString& grid, const QString& name, const QJsonObject& meta, qint64 createdAt, qint64 updatedAt) {
    return RegistryInfo{grid, name, meta.value(QStringLiteral("url")).toString(), meta.value(QStringLiteral("username")).toString(),
                        meta.value(QStringLiteral("email")).toString(), createdAt, updatedAt};
}

}  // namespace

VaultStore::Write VaultStore::addRegistry(const QString& grid, const QString& name, const vault::RegistryCredentials& c, qint64 nowMs) {
    if (findRegistry(grid, name)) return Write::Exists;
    QJsonObject record = registryMeta(c);
    record.insert(QStringLiteral("password"), text(c.password));
    return putRecord(grid, kRegistry, name, compact(record), registryMeta(c), nowMs, nowMs) ? Write::Created : Write::Failed;
}

QList<RegistryInfo> VaultStore::registries(const QString& grid) const { return infos(grid, kRegistry, registryInfoOf); }

std::optional<RegistryInfo> VaultStore::findRegistry(const QString& grid, const QString& name) const {
    return first(infos(grid, kRegistry, registryInfoOf, name));
}

std::optional<Result<QByteArray>> VaultStore::registryAuth(const QString& grid, const QString& name) const {
    const auto opened = openRecord(grid, kRegistry, name);
    if (!opened) return std::nullopt;
    const auto record = jsonOf(*opened);
    if (!record) return Result<QByteArray>(record.error());
    const QJsonObject auth{{QStringLiteral("username"), record.value().value(QStringLiteral("username"))},
                           {QStringLiteral("password"), record.value().value(QStringLiteral("password"))},
                           {QStringLiteral("serveraddress"), record.value().value(QStringLiteral("url"))}};
    return Result<QByteArray>(compact(auth).toBase64(QByteArray::Base64UrlEncoding));
}

bool VaultStore::removeRegistry(const QString& grid, const QString& name) { return removeRecord(grid, kRegistry, name); }

// Canaries and grids

void VaultStore::ensureCanary(const QString& grid) {
    if (!configured()) return;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT 1 FROM vault WHERE grid = ? AND kind = ?"));
    q.addBindValue(grid);
    q.addBindValue(kCanary);
    if (q.exec() && q.next()) return;
    const QString sealed = QString::fromStdString(vault::Cipher(*keys_).sealCanary(grid.toStdString()));
    putSealed(grid, kCanary, kCanary, sealed, QString(), 0, 0);   // the name Cipher::sealCanary binds
}

void VaultStore::forgetGrid(const QString& grid) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("DELETE FROM vault WHERE grid = ?"));
    q.addBindValue(grid);
    q.exec();
}

}  // namespace kontena::master
