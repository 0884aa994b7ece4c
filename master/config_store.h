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

#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QString>

#include <optional>

#include "master/store.h"

namespace kontena::master {

class ConfigStore {
public:
    explicit ConfigStore(Store& store) : store_(store) {}

    // Creates the table and loads it. False with `error` set on failure.
    bool open(QString* error);

    // Every key and value, by key; with `filter`: keys starting with it when
    // it ends in `*` (`oauth2.*`), else keys containing it.
    QJsonObject values(const QString& filter = QString()) const;
    std::optional<QJsonValue> value(const QString& key) const;

    // Sets the keys of `changes` (a null value unsets its key); with
    // `replace`, every other key is unset too. One transaction; false (and
    // nothing changed) when the store failed.
    bool write(const QJsonObject& changes, bool replace);
    // Unsets `key`; false when the store failed.
    bool unset(const QString& key);

    // A key the API accepts: 1-255 of A-Z a-z 0-9 . _ -, not starting with '.'.
    static bool validKey(const QString& key);
    // Whether `key` names a secret (`oauth2.client_secret`, `x.password`,
    // `y.token`...): its value is never logged nor kept in the audit log.
    static bool secretKey(const QString& key);

private:
    Store& store_;
    QMap<QString, QJsonValue> values_;
};

}  // namespace kontena::master
