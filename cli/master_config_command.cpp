// `kontena master config get|set|unset|import|load|export|dump`: the master
// configuration (/v1/config, master_admin only), as Kontena's commands:
// `get` prints the value (`-p`: KEY=VALUE), `set`/`unset`/`import` print
// nothing, `export` prints JSON (default) or YAML.
#include <QFile>
#include <QJsonDocument>

#include <cmath>
#include <optional>
#include <variant>

#include "api/paths.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"
#include "stacks/render.h"
#include "stacks/values_file.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

// A configuration value as `get` prints it: a string as it is, others as JSON.
QString valueText(const QJsonValue& v) {
    if (v.isString()) return v.toString();
    if (v.isBool()) return v.toBool() ? opt("true") : opt("false");
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 17);
    return {};
}

int configGet(const QStringList& args) {
    return runCommand({opt("kontena master config get"), opt("Read a configuration value from the master."),
                       {{{opt("p"), opt("pair")}, opt("Print KEY=VALUE instead of the value only")}}, {opt("KEY")}, Needs::Master},
                      args, [](Call& c) {
                          const auto answer = c.getJson(paths::configKey(c.arg(0)));
                          if (!answer) return c.failed();
                          const QString value = valueText(answer->toObject().value(c.arg(0)));
                          printOut((c.isSet("p") ? c.arg(0) + u'=' : QString()) + value + u'\n');
                          return static_cast<int>(Ok);
                      });
}

int configSet(const QStringList& args) {
    return runCommand({opt("kontena master config set"), opt("Set configuration values on the master (server.name=prod)."), {},
                       {opt("KEY=VALUE...")}, Needs::Master, false, 1, 1000},
                      args, [](Call& c) {
                          QJsonObject changes;
                          for (const QString& pair : c.args()) {
                              const qsizetype eq = pair.indexOf(u'=');
                              if (eq <= 0) return c.usage(QStringLiteral("expected KEY=VALUE, got %1").arg(pair));
                              changes.insert(pair.left(eq), pair.mid(eq + 1));
                          }
                          return c.sendJson("PATCH", paths::config(), changes) ? static_cast<int>(Ok) : c.failed();
                      });
}

int configUnset(const QStringList& args) {
    return runCommand({opt("kontena master config unset"), opt("Clear configuration values on the master."), {}, {opt("KEY...")}, Needs::Master,
                       false, 1, 1000},
                      args, [](Call& c) {
                          for (const QString& key : c.args()) {
                              if (!c.del(paths::configKey(key))) return c.failed();
                          }
                          return static_cast<int>(Ok);
                      });
}

// A values-file value (YAML import) as JSON; nullopt for lists and maps.
std::optional<QJsonValue> jsonOf(const stacks::Value& v) {
    switch (v.kind()) {
    case stacks::Value::Kind::Nil: return QJsonValue(QJsonValue::Null);
    case stacks::Value::Kind::Bool: return QJsonValue(v.asBool());
    case stacks::Value::Kind::Int: return QJsonValue(static_cast<double>(v.asInt()));
    case stacks::Value::Kind::Float: return QJsonValue(v.asFloat());
    case stacks::Value::Kind::String: return QJsonValue(QString::fromStdString(v.asString()));
    default: return std::nullopt;
    }
}

// The file (or standard input) as a JSON object of keys; an error text otherwise.
std::variant<QJsonObject, QString> readImport(const QString& path, const QString& format) {
    QFile f;
    const bool opened = path.isEmpty() ? f.open(stdin, QIODevice::ReadOnly) : (f.setFileName(path), f.open(QIODevice::ReadOnly));
    if (!opened) return QStringLiteral("Can not read '%1'").arg(path);
    const QByteArray text = f.readAll();
    if (format == QLatin1String("json")) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
        if (!doc.isObject()) return QStringLiteral("not a JSON object of KEY: VALUE: ") + err.errorString();
        return doc.object();
    }
    const auto values = stacks::parseValuesFile(text.toStdString());
    if (!values.ok()) return QString::fromStdString(values.error().message);
    QJsonObject out;
    for (const auto& [key, value] : values.value()) {
        const auto json = jsonOf(value);
        if (!json) return QStringLiteral("%1: expected a string, number or boolean").arg(QString::fromStdString(key));
        out.insert(QString::fromStdString(key), *json);
    }
    return out;
}

// JSON unless --format says otherwise or PATH ends in .yml/.yaml (Kontena's guess).
QString formatOf(const Call& c, const char* option, const QString& path) {
    if (c.isSet(option)) return c.value(option).toLower();
    return path.endsWith(QLatin1String(".yml")) || path.endsWith(QLatin1String(".yaml")) ? opt("yaml") : opt("json");
}

bool knownFormat(const QString& f) { return f == QLatin1String("json") || f == QLatin1String("yaml") || f == QLatin1String("yml"); }

// import: merged into the configuration (PATCH); --full replaces it (PUT),
// clearing the keys the input lacks.
int configImport(const QStringList& args) {
    return runCommand({opt("kontena master config import"), opt("Upload configuration from a file (default: standard input) to the master."),
                       {{opt("format"), opt("Input format: json or yaml (default: from PATH, else json)"), opt("FORMAT")},
                        {opt("full"), opt("Full update: keys the input lacks are cleared")},
                        {{opt("f"), opt("force")}, opt("Do not ask (accepted for Kontena's scripts; nothing is asked)")}},
                       {opt("[PATH]")}, Needs::Master, false, 0, 1},
                      args, [](Call& c) {
                          const QString format = formatOf(c, "format", c.arg(0));
                          if (!knownFormat(format)) return c.usage(QStringLiteral("Unknown input format '%1'").arg(format));
                          auto input = readImport(c.arg(0), format == QLatin1String("json") ? format : opt("yaml"));
                          if (auto* error = std::get_if<QString>(&input)) {
                              printErr(QStringLiteral("kontena master config import: ") + *error + u'\n');
                              return static_cast<int>(Invalid);
                          }
                          const QJsonObject& data = std::get<QJsonObject>(input);
                          return c.sendJson(c.isSet("full") ? "PUT" : "PATCH", paths::config(), data) ? static_cast<int>(Ok) : c.failed();
                      });
}

QString yamlOf(const QJsonObject& o) {
    stacks::Value map = stacks::Value::map();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QJsonValue& v = it.value();
        const stacks::Value value = v.isBool()     ? stacks::Value::boolean(v.toBool())
                                    : v.isDouble() ? (v.toDouble() == std::floor(v.toDouble()) ? stacks::Value::integer(static_cast<std::int64_t>(v.toDouble()))
                                                                                              : stacks::Value::number(v.toDouble()))
                                                   : stacks::Value::string(v.toString().toStdString());
        map.set(it.key().toStdString(), value);
    }
    return map.keys().empty() ? opt("{}\n") : QString::fromStdString(stacks::toYaml(map));
}

int configExport(const QStringList& args) {
    return runCommand({opt("kontena master config export"), opt("Download the master's configuration (to FILE, default: standard output)."),
                       {{{opt("f"), opt("format")}, opt("Output format: json or yaml (default: from FILE, else json)"), opt("FORMAT")},
                        {opt("filter"), opt("Only keys starting with it (with a trailing *, e.g. oauth2.*), else containing it"), opt("KEY")}},
                       {opt("[FILE]")}, Needs::Master, false, 0, 1},
                      args, [](Call& c) {
                          const QString format = formatOf(c, "f", c.arg(0));
                          if (!knownFormat(format)) return c.usage(QStringLiteral("Unknown output format '%1'").arg(format));
                          const auto data = c.getJson(paths::config(c.value("filter")));
                          if (!data) return c.failed();
                          const QString text = format == QLatin1String("json") ? QString::fromUtf8(QJsonDocument(data->toObject()).toJson(QJsonDocument::Indented))
                                                                                 : yamlOf(data->toObject());
                          if (c.arg(0).isEmpty()) {
                              printOut(text);
                              return static_cast<int>(Ok);
                          }
                          QFile out(c.arg(0));
                          if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                              printErr(QStringLiteral("kontena master config export: cannot write %1\n").arg(c.arg(0)));
                              return static_cast<int>(Invalid);
                          }
                          out.write(text.toUtf8());
                          return static_cast<int>(Ok);
                      });
}

}  // namespace

Sub masterConfigSub() {
    return {opt("config"), opt("Master configuration: get, set, unset, import, export"), [](const QStringList& a) {
                return dispatchGroup(opt("master config"), a,
                                     {{opt("get"), opt("Get a config value"), configGet},
                                      {opt("set"), opt("Set config values"), configSet},
                                      {opt("unset"), opt("Clear config values"), configUnset},
                                      {opt("import"), opt("Upload config to the master (alias: load)"), configImport},
                                      {opt("export"), opt("Download config from the master (alias: dump)"), configExport}});
            }};
}

}  // namespace kontena::cli
