#pragma once
// The grid vault's storage (reference §10): sealed secret values,
// certificates and external registry credentials per grid in the master's
// SQLite store, opened with the master key given at start (vault/crypto.h).
// Plaintext exists only in memory, in a request or a reply; the table holds
// `kv1.` texts, timestamps and what may be listed without the key.
//
// Table `vault` (grid, kind, name, sealed, created_at, updated_at, meta),
// primary key (grid, kind, name). Kinds:
//  - "secret": name = the secret's name, sealed = its value, meta "";
//  - "certificate": name = the subject, sealed = the whole record as JSON
//    (certificate, chain, private key, names, expiry), meta = JSON of
//    alt_names, valid_until (ms) and origin, for listing;
//  - "registry": name = the registry's host[:port], sealed = JSON of url,
//    username, email and password, meta = the same without the password;
//  - "canary": one per grid, name "canary".
// Times are milliseconds since the epoch. Key rotation and the canary
// check cover every kind.

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

#include "master/store.h"
#include "scheduler/result.h"
#include "vault/certificate.h"
#include "vault/crypto.h"
#include "vault/registry.h"

namespace kontena::master {

struct SecretInfo {
    QString grid;
    QString name;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

// A certificate as listed: never its key (reference §10.2).
struct CertificateInfo {
    QString grid;
    QString subject;
    QStringList altNames;
    qint64 validUntil = 0;
    QString origin;   // "import", "acme"
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

// External registry credentials as listed: never the password.
struct RegistryInfo {
    QString grid;
    QString name;   // host[:port]
    QString url, username, email;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

class VaultStore {
public:
    explicit VaultStore(Store& store) : store_(store) {}

    // Creates the table. With `keys` (null: the vault is not configured):
    // every stored canary must open, else false with an error naming the
    // grid ("wrong key?"); records sealed with an older key version are
    // re-sealed with the newest one (only counts are logged; a damaged
    // record is left as it is, named in a warning); grids in
    // `grids` without a canary get one.
    bool open(std::unique_ptr<vault::Keyring> keys, const QStringList& grids, QString* error);
    bool configured() const { return keys_ != nullptr; }
    // The keyring open() was given (null: not configured), for the other
    // tables that seal with the vault's key (the master configuration's
    // secret values). Lives as long as this store.
    const vault::Keyring* keyring() const { return keys_.get(); }

    // The secrets of a grid by name; never values. Works unconfigured too.
    QList<SecretInfo> list(const QString& grid) const;
    std::optional<SecretInfo> find(const QString& grid, const QString& name) const;

    enum class Write { Created, Updated, Unchanged, Exists, Missing, Failed };
    // Create only (Exists when the name is taken). Needs configured().
    Write create(const QString& grid, const QString& name, const QByteArray& value, qint64 nowMs);
    // Replace the value (Missing unless `upsert`; Created when upserted).
    // An identical value changes nothing (Unchanged, updated_at kept).
    Write update(const QString& grid, const QString& name, const QByteArray& value, bool upsert, qint64 nowMs);
    // The value; nullopt when missing; an error when it does not open
    // (tampered record). Errors never contain the value. Needs configured().
    std::optional<Result<QByteArray>> read(const QString& grid, const QString& name) const;
    bool remove(const QString& grid, const QString& name);

    // Certificates, by subject. Storing replaces the subject's certificate
    // (an import or a renewal): Created or Updated (Failed: store error).
    // Needs configured().
    Write putCertificate(const QString& grid, const vault::Certificate& c, qint64 nowMs);
    QList<CertificateInfo> certificates(const QString& grid) const;   // by subject; works unconfigured
    std::optional<CertificateInfo> findCertificate(const QString& grid, const QString& subject) const;
    // The whole record (with its key); nullopt when missing; an error when
    // it does not open. Needs configured().
    std::optional<Result<vault::Certificate>> certificate(const QString& grid, const QString& subject) const;
    // What a service's `certificates:` entry injects: certificate, chain, key.
    std::optional<Result<QByteArray>> certificateBundle(const QString& grid, const QString& subject) const;
    bool removeCertificate(const QString& grid, const QString& subject);

    // External registry credentials by name (host[:port], vault/registry.h).
    // Create only: Exists when the name is taken. Needs configured().
    Write addRegistry(const QString& grid, const QString& name, const vault::RegistryCredentials& c, qint64 nowMs);
    QList<RegistryInfo> registries(const QString& grid) const;   // by name; works unconfigured
    std::optional<RegistryInfo> findRegistry(const QString& grid, const QString& name) const;
    // Docker's X-Registry-Auth for pulls from `name`: base64url of
    // {"username","password","serveraddress"} (serveraddress = the stored
    // url). nullopt when there are no credentials for it; an error when
    // the record does not open. Needs configured().
    std::optional<Result<QByteArray>> registryAuth(const QString& grid, const QString& name) const;
    bool removeRegistry(const QString& grid, const QString& name);

    // Seals the grid's canary if it has none (a new grid). No-op unconfigured.
    void ensureCanary(const QString& grid);
    // Drops every record of a removed grid.
    void forgetGrid(const QString& grid);

private:
    struct Row {
        QString grid, kind, name, sealed;
    };
    // A record's listable part.
    struct Listed {
        QString grid, name;
        QJsonObject meta;
        qint64 createdAt = 0, updatedAt = 0;
    };
    // The listable part of `kind`'s records (one: `name`) as `Info`.
    template <class Info>
    using InfoOf = Info (*)(const QString& grid, const QString& name, const QJsonObject& meta, qint64 createdAt, qint64 updatedAt);
    template <class Info>
    QList<Info> infos(const QString& grid, const QString& kind, InfoOf<Info> of, const std::optional<QString>& name = std::nullopt) const {
        QList<Info> out;
        for (const Listed& l : listed(grid, kind, name)) out.append(of(l.grid, l.name, l.meta, l.createdAt, l.updatedAt));
        return out;
    }
    bool prepareTable(QString* error);
    QList<Row> rows(const QString& kind) const;   // every kind when empty
    QList<Listed> listed(const QString& grid, const QString& kind, const std::optional<QString>& name = std::nullopt) const;
    std::optional<Result<QByteArray>> openRecord(const QString& grid, const QString& kind, const QString& name) const;
    bool removeRecord(const QString& grid, const QString& kind, const QString& name);
    bool checkCanaries(const vault::Cipher& cipher, QString* error) const;
    bool resealOlder(const vault::Cipher& cipher, std::uint32_t current, QString* error);
    // Seals `plain` for (grid, kind, name) and stores it with `meta`.
    bool putRecord(const QString& grid, const QString& kind, const QString& name, const QByteArray& plain, const QJsonObject& meta,
                   qint64 createdAt, qint64 updatedAt);
    bool putSealed(const QString& grid, const QString& kind, const QString& name, const QString& sealed, const QString& meta,
                   qint64 createdAt, qint64 updatedAt);

    Store& store_;
    std::unique_ptr<vault::Keyring> keys_;   // stable address: Cipher keeps a reference
};

}  // namespace kontena::master
