#pragma once
// The master configuration (Kontena's `/v1/config`, `kontena master config`):
// settings by dotted key (`server.name`, `oauth2.client_id`), each value a
// JSON string, number or boolean. Kept in the store's table `config (key,
// value)`, one row per key, loaded whole at start (a few dozen keys) and
// written through: a change is on disk before the route answers; a change of
// several keys (PATCH, PUT) is one transaction.
//
// Keys the master acts on: see master/API.md "Master configuration"; every
// other key is kept and answered as given, with no effect.
//
// Values of secret keys (secretKey()) are sealed at rest with the vault's
// keyring (vault/crypto.h, address grid "", kind secret, name
// "config:<key>"): the row is {"sealed": "kv1...."}, other rows {"v":
// value}. They are opened once at start and kept in memory for the API.
// Without a keyring no secret value can be written (write() refuses).

#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QString>

#include <optional>

#include "master/store.h"
#include "vault/crypto.h"

namespace kontena::master {

class ConfigStore {
public:
    explicit ConfigStore(Store& store) : store_(store) {}

    // Creates the table and loads it; `keys` (null: no vault key; must
    // outlive this) seals and opens the values of secret keys. Migrates:
    // a secret value stored unsealed is sealed (its old bytes overwritten,
    // the WAL truncated), one sealed with an older key version re-sealed.
    // A sealed value that does not open (or no `keys`) is left in its row
    // and out of values(), with a warning naming the key. False with
    // `error` set when the store failed.
    bool open(const vault::Keyring* keys, QString* error);
    // Whether secret values can be written (a vault key is configured).
    bool canSeal() const { return keys_ != nullptr && !keys_->empty(); }
    // Whether `changes` sets (not unsets) a secret key.
    static bool setsSecret(const QJsonObject& changes);

    // Every key and value, by key; with `filter`: keys starting with it when
    // it ends in `*` (`oauth2.*`), else keys containing it.
    QJsonObject values(const QString& filter = QString()) const;
    std::optional<QJsonValue> value(const QString& key) const;

    // Sets the keys of `changes` (a null value unsets its key); with
    // `replace`, every other key is unset too. One transaction; false (and
    // nothing changed) when the store failed, or when a secret key is set
    // and !canSeal().
    bool write(const QJsonObject& changes, bool replace);
    // Unsets `key`; false when the store failed.
    bool unset(const QString& key);

    // A key the API accepts: 1-255 of A-Z a-z 0-9 . _ -, not starting with '.'.
    static bool validKey(const QString& key);
    // Whether `key` names a secret (`oauth2.client_secret`, `x.password`,
    // `y.token`...): its value is never logged nor kept in the audit log.
    static bool secretKey(const QString& key);

private:
    // The row's bytes for `value` of `key`: sealed for a secret key.
    QByteArray stored(const QString& key, const QJsonValue& value) const;
    // A row's value; `rewrite` set when it should be stored again (sealed
    // now, or with the current key version). nullopt: left out.
    std::optional<QJsonValue> loaded(const QString& key, const QByteArray& row, bool* rewrite) const;
    bool rewriteRows(const QMap<QString, QJsonValue>& rows, QString* error);

    Store& store_;
    const vault::Keyring* keys_ = nullptr;
    QMap<QString, QJsonValue> values_;
};

}  // namespace kontena::master
