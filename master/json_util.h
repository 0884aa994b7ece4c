#pragma once
// Conversions between the core's values and JSON, shared by the read model
// (API shapes) and the persistence (the stored grid document).

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>
#include <vector>

#include "api/grid.h"
#include "scheduler/model.h"

namespace kontena::master {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline std::string ss(const QString& s) { return s.toStdString(); }

// RFC 3339 UTC with milliseconds; nullopt when absent.
std::optional<QString> timeText(const std::optional<Instant>& t);
// timeText as JSON: null when absent.
QJsonValue timeJson(const std::optional<Instant>& t);
// Milliseconds since the epoch as a JSON number (stored form); null when absent.
QJsonValue msJson(const std::optional<Instant>& t);
std::optional<Instant> timeFrom(const QJsonValue& v);   // the inverse of msJson

QJsonArray strings(const std::vector<std::string>& v);
QStringList qstrings(const std::vector<std::string>& v);
std::vector<std::string> stringsFrom(const QJsonValue& v);   // non-strings become ""

// Grid settings in seconds, API.md's "settings" object, every field set.
api::GridSettings apiSettings(const GridSettings& s);
QJsonObject settingsJson(const GridSettings& s);   // apiSettings(s).toJson(), also the stored form
// The settings `a` sets, onto `s`; unset fields keep their value.
void applySettings(GridSettings& s, const api::GridSettings& a);
// The inverse of settingsJson (the stored form): applySettings of the
// decoded object; an object that does not decode changes nothing.
void applySettings(GridSettings& s, const QJsonObject& o);

}  // namespace kontena::master
