#pragma once
// How every struct of the API model meets JSON (Qt's QJsonValue).
//
// A model struct derives from Model<Self> and lists its JSON fields once,
// in a static fields() function: (key, member, what an unset optional
// becomes). encode() and decode() walk that list, so the keys of a
// resource are spelled in exactly one place (its header in api/).
//
// Contracts, for every model struct T:
//  * T::fromJson(v) accepts any JSON object whose named fields have the
//    right type; a missing field keeps its default. Anything else gives a
//    DecodeError naming the field path ("nodes[2].labels[0]: expected a
//    string, got a number"); it never throws and never asserts on input.
//  * toJson(fromJson(x)) == x for every x fromJson accepts: fields the
//    model does not name are kept in `extra`, named fields the input lacked
//    are remembered in `absent` and left out again (an explicit null on an
//    Empty::Omit field stays in `extra`). Code that sets a field a decoded
//    struct lacked must also take its key out of `absent`.
//  * A struct built in code (absent empty) writes every field; an unset
//    std::optional becomes null, or is left out for Empty::Omit (requests).
//
// Types a field may have: QString, int, double, bool, QJsonObject,
// QJsonValue (any JSON), another model struct, QList<T> (QStringList
// included) and std::optional<T> of those.

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <initializer_list>
#include <optional>
#include <tuple>
#include <type_traits>

#include "scheduler/result.h"

namespace kontena::api {

// Why a JSON value is not the model struct it should be.
struct DecodeError {
    QString message;
};
template <class T>
using Decoded = Result<T, DecodeError>;

// What toJson writes for an unset std::optional field.
enum class Empty { Null, Omit };

template <class S, class M>
struct Field {
    const char* key;
    M S::*member;
    Empty empty;
};
template <class S, class M>
constexpr Field<S, M> field(const char* key, M S::*member, Empty empty = Empty::Null) {
    return {key, member, empty};
}

template <class T>
QJsonObject encode(const T& value);
template <class T>
Decoded<T> decode(const QJsonValue& json);

// The base of every model struct (CRTP): round-trip bookkeeping and the
// conversions. Derived structs add their members and `static auto fields()`.
template <class T>
struct Model {
    QJsonObject extra;    // fields the model does not name, written back as they came
    QStringList absent;   // named fields the decoded input lacked, left out again

    QJsonObject toJson() const { return encode(static_cast<const T&>(*this)); }
    static Decoded<T> fromJson(const QJsonValue& json) { return decode<T>(json); }

    // Leaves the named fields out of toJson(): a producer that does not
    // have them (yet) says so rather than sending defaults as facts.
    void leaveOut(std::initializer_list<const char*> keys) {
        for (const char* k : keys) {
            if (!absent.contains(QLatin1String(k))) absent.append(QLatin1String(k));
        }
    }
};

// Every element of a list as JSON objects, e.g. for `-o json`.
template <class T>
QJsonArray toJsonArray(const QList<T>& items) {
    QJsonArray out;
    for (const T& item : items) out.append(item.toJson());
    return out;
}

namespace detail {

template <class T>
concept ModelStruct = requires { T::fields(); };

// A field's failure: where inside the field ("" for the field itself,
// ".quorum", "[3]") and what was wrong.
struct Failure {
    QString path;
    QString what;
};
using Outcome = std::optional<Failure>;

QString describe(const QJsonValue& v);   // "a string", "null", ...
Failure expected(const char* what, const QJsonValue& got);
QString join(const QString& key, const QString& inner);   // "etcd" + "quorum", "grids" + "[1]"

QJsonValue put(const QString& v);
QJsonValue put(int v);
QJsonValue put(double v);
QJsonValue put(bool v);
QJsonValue put(const QJsonObject& v);
QJsonValue put(const QJsonValue& v);
template <ModelStruct T>
QJsonValue put(const T& v);
template <class T>
QJsonValue put(const QList<T>& v);
template <class T>
QJsonValue put(const std::optional<T>& v);

Outcome get(const QJsonValue& j, QString& out);
Outcome get(const QJsonValue& j, int& out);
Outcome get(const QJsonValue& j, double& out);
Outcome get(const QJsonValue& j, bool& out);
Outcome get(const QJsonValue& j, QJsonObject& out);
Outcome get(const QJsonValue& j, QJsonValue& out);
template <ModelStruct T>
Outcome get(const QJsonValue& j, T& out);
template <class T>
Outcome get(const QJsonValue& j, QList<T>& out);
template <class T>
Outcome get(const QJsonValue& j, std::optional<T>& out);

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T, class S, class M>
void writeField(QJsonObject& o, const T& v, const Field<S, M>& f) {
    const QString key = QLatin1String(f.key);
    if (v.absent.contains(key)) return;
    const M& m = v.*(f.member);
    if constexpr (IsOptional<M>::value) {
        if (!m && f.empty == Empty::Omit) return;
    }
    o.insert(key, put(m));
}

template <class T, class S, class M>
void readField(const QJsonObject& o, QJsonObject& rest, T& out, const Field<S, M>& f, Outcome& fail) {
    if (fail) return;
    const QString key = QLatin1String(f.key);
    const auto it = o.constFind(key);
    if constexpr (IsOptional<M>::value) {
        // An explicit null where toJson would leave the field out: kept in extra.
        if (f.empty == Empty::Omit && it != o.constEnd() && it->isNull()) return;
    }
    rest.remove(key);
    if (it == o.constEnd()) {
        out.absent.append(key);
        return;
    }
    if (Outcome inner = get(*it, out.*(f.member))) fail = Failure{join(key, inner->path), inner->what};
}

template <class T>
Outcome decodeInto(const QJsonValue& j, T& out) {
    if (!j.isObject()) return expected("an object", j);
    const QJsonObject o = j.toObject();
    QJsonObject rest = o;
    Outcome fail;
    std::apply([&](const auto&... f) { (readField(o, rest, out, f, fail), ...); }, T::fields());
    if (!fail) out.extra = rest;
    return fail;
}

template <ModelStruct T>
QJsonValue put(const T& v) {
    return encode(v);
}

template <class T>
QJsonValue put(const QList<T>& v) {
    QJsonArray a;
    for (const T& x : v) a.append(put(x));
    return a;
}

template <class T>
QJsonValue put(const std::optional<T>& v) {
    return v ? put(*v) : QJsonValue(QJsonValue::Null);
}

template <ModelStruct T>
Outcome get(const QJsonValue& j, T& out) {
    out = T{};
    return decodeInto(j, out);
}

template <class T>
Outcome get(const QJsonValue& j, QList<T>& out) {
    if (!j.isArray()) return expected("an array", j);
    const QJsonArray a = j.toArray();
    out.clear();
    out.reserve(a.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        T item{};
        if (Outcome inner = get(a.at(i), item)) return Failure{join(QStringLiteral("[%1]").arg(i), inner->path), inner->what};
        out.append(std::move(item));
    }
    return std::nullopt;
}

template <class T>
Outcome get(const QJsonValue& j, std::optional<T>& out) {
    if (j.isNull()) {
        out.reset();
        return std::nullopt;
    }
    T value{};
    if (Outcome inner = get(j, value)) return inner;
    out = std::move(value);
    return std::nullopt;
}

}  // namespace detail

template <class T>
QJsonObject encode(const T& value) {
    QJsonObject o = value.extra;
    std::apply([&](const auto&... f) { (detail::writeField(o, value, f), ...); }, T::fields());
    return o;
}

template <class T>
Decoded<T> decode(const QJsonValue& json) {
    T out{};
    if (detail::Outcome fail = detail::decodeInto(json, out)) {
        if (fail->path.isEmpty()) return DecodeError{fail->what};
        return DecodeError{QString(fail->path + QStringLiteral(": ") + fail->what)};
    }
    return out;
}

}  // namespace kontena::api
