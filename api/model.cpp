// The scalar conversions of the API model (model.h).
#include "api/model.h"

#include <cmath>
#include <limits>

namespace kontena::api::detail {

QString describe(const QJsonValue& v) {
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}

Failure expected(const char* what, const QJsonValue& got) {
    return Failure{QString(), QStringLiteral("expected %1, got %2").arg(QLatin1String(what), describe(got))};
}

QString join(const QString& key, const QString& inner) {
    if (inner.isEmpty()) return key;
    if (inner.startsWith(QLatin1Char('['))) return key + inner;
    return key + QLatin1Char('.') + inner;
}

QJsonValue put(const QString& v) { return v; }
QJsonValue put(int v) { return v; }
QJsonValue put(double v) { return v; }
QJsonValue put(bool v) { return v; }
QJsonValue put(const QJsonObject& v) { return v; }
QJsonValue put(const QJsonValue& v) { return v; }

Outcome get(const QJsonValue& j, QString& out) {
    if (!j.isString()) return expected("a string", j);
    out = j.toString();
    return std::nullopt;
}

Outcome get(const QJsonValue& j, int& out) {
    if (!j.isDouble()) return expected("an integer", j);
    const double d = j.toDouble();
    if (std::trunc(d) != d || d < std::numeric_limits<int>::min() || d > std::numeric_limits<int>::max()) {
        return Failure{QString(), QStringLiteral("expected an integer, got %1").arg(d)};
    }
    out = static_cast<int>(d);
    return std::nullopt;
}

Outcome get(const QJsonValue& j, double& out) {
    if (!j.isDouble()) return expected("a number", j);
    out = j.toDouble();
    return std::nullopt;
}

Outcome get(const QJsonValue& j, bool& out) {
    if (!j.isBool()) return expected("a boolean", j);
    out = j.toBool();
    return std::nullopt;
}

Outcome get(const QJsonValue& j, QJsonObject& out) {
    if (!j.isObject()) return expected("an object", j);
    out = j.toObject();
    return std::nullopt;
}

Outcome get(const QJsonValue& j, QJsonValue& out) {
    out = j;
    return std::nullopt;
}

}  // namespace kontena::api::detail
