#pragma once
// The grid vault's storage (reference §10.1): sealed secret values per grid
// and name in the master's SQLite store, opened with the master key given
// at start (vault/crypto.h). Plaintext exists only in memory, in a request
// or a reply; the table holds `kv1.` texts and timestamps.
//
// Table `vault` (grid, kind, name, sealed, created_at, updated_at), primary
// key (grid, kind, name); kind is "secret" or "canary" (one per grid, name
// "canary"). Times are milliseconds since the epoch.

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

#include "master/store.h"
#include "scheduler/result.h"
#include "vault/crypto.h"

namespace kontena::master {

struct SecretInfo {
    QString grid;
    QString name;
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

    // Seals the grid's canary if it has none (a new grid). No-op unconfigured.
    void ensureCanary(const QString& grid);
    // Drops every record of a removed grid.
    void forgetGrid(const QString& grid);

private:
    struct Row {
        QString grid, kind, name, sealed;
    };
    QList<Row> rows(const QString& kind) const;
    bool checkCanaries(const vault::Cipher& cipher, QString* error) const;
    bool resealOlder(const vault::Cipher& cipher, std::uint32_t current, QString* error);
    bool putSealed(const QString& grid, const QString& kind, const QString& name, const QString& sealed, qint64 createdAt,
                   qint64 updatedAt);

    Store& store_;
    std::unique_ptr<vault::Keyring> keys_;   // stable address: Cipher keeps a reference
};

}  // namespace kontena::master
