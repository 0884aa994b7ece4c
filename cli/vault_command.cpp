// `kontena vault ...`: the grid's secrets (reference §10.1). A value is
// printed only by `vault read` and `vault export`; every other command
// prints names and dates. Values given on the command line end up in shell
// history: without VALUE, `write`/`update` read it from stdin.
#include <QFile>
#include <QTextStream>

#include <yaml-cpp/yaml.h>

#include "api/paths.h"
#include "api/secret.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

// VALUE from the arguments, else stdin (one trailing newline dropped).
QString valueArg(const Call& c, int index) {
    if (c.args().size() > index) return c.arg(index);
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly)) return QString();
    QString v = QString::fromUtf8(in.readAll());
    if (v.endsWith(u'\n')) v.chop(1);
    if (v.endsWith(u'\r')) v.chop(1);
    return v;
}

QString when(const std::optional<QString>& t) { return t ? *t : opt("never"); }

int vaultList(const QStringList& args) {
    return runCommand({opt("kontena vault ls"), opt("List the grid's secrets (names and dates, never values)."), {}, {}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto list = c.get<api::SecretList>(paths::gridSecrets(c.grid()));
                          if (!list) return c.failed();
                          return c.print(api::toJsonArray(list->secrets), [&] {
                              QList<QStringList> rows;
                              for (const auto& s : list->secrets) {
                                  const bool updated = s.updatedAt && s.updatedAt != s.createdAt;
                                  rows.append({s.name, when(s.createdAt), updated ? *s.updatedAt : opt("never")});
                              }
                              printTable({opt("NAME"), opt("CREATED_AT"), opt("UPDATED_AT")}, rows);
                          });
                      });
}

int vaultWrite(const QStringList& args) {
    return runCommand({opt("kontena vault write"), opt("Write a new secret (VALUE from stdin when not given)."), {},
                       {opt("NAME"), opt("[VALUE]")}, Needs::Grid, false, 1, 2},
                      args, [](Call& c) {
                          api::SecretCreate body;
                          body.name = c.arg(0);
                          body.value = valueArg(c, 1);
                          return c.post<api::Secret>(paths::gridSecrets(c.grid()), body) ? static_cast<int>(Ok) : c.failed();
                      });
}

int vaultUpdate(const QStringList& args) {
    return runCommand({opt("kontena vault update"), opt("Change a secret's value (VALUE from stdin when not given)."),
                       {{{opt("u"), opt("upsert")}, opt("Create the secret if it does not exist")}},
                       {opt("NAME"), opt("[VALUE]")}, Needs::Grid, false, 1, 2},
                      args, [](Call& c) {
                          api::SecretUpdate body;
                          body.value = valueArg(c, 1);
                          if (c.isSet("upsert")) body.upsert = true;
                          return c.put<api::Secret>(paths::secret(c.grid(), c.arg(0)), body) ? static_cast<int>(Ok) : c.failed();
                      });
}

int vaultRead(const QStringList& args) {
    return runCommand({opt("kontena vault read"), opt("Show a secret with its value (needs the grid_admin role)."),
                       {{opt("value"), opt("Print only the value")}}, {opt("NAME")}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto s = c.get<api::Secret>(paths::secret(c.grid(), c.arg(0)));
                          if (!s) return c.failed();
                          if (c.isSet("value")) {
                              printOut(s->value.value_or(QString()) + u'\n');
                              return static_cast<int>(Ok);
                          }
                          return c.print(s->toJson(), [&] {
                              printOut(QStringLiteral("%1:\n  created_at: %2\n  updated_at: %3\n  value: %4\n")
                                           .arg(s->name, when(s->createdAt), when(s->updatedAt), s->value.value_or(QString())));
                          });
                      });
}

int vaultRemove(const QStringList& args) {
    return runCommand({opt("kontena vault rm"), opt("Remove secrets."), {{opt("force"), opt("Do not ask (accepted for Kontena's scripts)")}},
                       {opt("NAME...")}, Needs::Grid, false, 1, 1000},
                      args, [](Call& c) {
                          for (const QString& name : c.args()) {
                              if (!c.del(paths::secret(c.grid(), name))) return c.failed();
                          }
                          return static_cast<int>(Ok);
                      });
}

// Every secret with its value as a YAML map (or JSON with --json).
int vaultExport(const QStringList& args) {
    return runCommand({opt("kontena vault export"), opt("Print every secret with its value as YAML (needs the grid_admin role)."),
                       {{opt("json"), opt("As a JSON object")}}, {}, Needs::Grid},
                      args, [](Call& c) {
                          const auto list = c.get<api::SecretList>(paths::gridSecrets(c.grid()));
                          if (!list) return c.failed();
                          QJsonObject all;
                          YAML::Emitter out;
                          out << YAML::BeginMap;
                          for (const auto& s : list->secrets) {
                              const auto full = c.get<api::Secret>(paths::secret(c.grid(), s.name));
                              if (!full) return c.failed();
                              all.insert(s.name, full->value.value_or(QString()));
                              out << YAML::Key << s.name.toStdString() << YAML::Value << YAML::DoubleQuoted
                                  << full->value.value_or(QString()).toStdString();
                          }
                          out << YAML::EndMap;
                          if (c.isSet("json")) printJson(all);
                          else printOut(QString::fromStdString(out.c_str()) + u'\n');
                          return static_cast<int>(Ok);
                      });
}

// One entry of an import file: a value to write, or none (remove).
struct ImportEntry {
    QString name;
    std::optional<QString> value;
};

std::optional<std::vector<ImportEntry>> readImport(const QString& file, bool emptyIsNull, QString* why) {
    QFile f(file);
    const bool ok = file == QLatin1String("-") ? f.open(stdin, QIODevice::ReadOnly) : f.open(QIODevice::ReadOnly);
    if (!ok) {
        *why = QStringLiteral("cannot read %1: %2").arg(file, f.errorString());
        return std::nullopt;
    }
    std::vector<ImportEntry> out;
    try {
        const YAML::Node doc = YAML::Load(f.readAll().toStdString());   // JSON is YAML too
        if (!doc.IsMap()) {
            *why = file + QStringLiteral(": expected a map of secret names to values");
            return std::nullopt;
        }
        for (const auto& kv : doc) {
            const YAML::Node& v = kv.second;
            if (!v.IsNull() && !v.IsScalar()) {
                *why = QStringLiteral("%1:%2:%3: the value of %4 must be a string or null")
                           .arg(file).arg(v.Mark().line + 1).arg(v.Mark().column + 1).arg(QString::fromStdString(kv.first.Scalar()));
                return std::nullopt;
            }
            ImportEntry e{QString::fromStdString(kv.first.Scalar()), std::nullopt};
            if (v.IsScalar() && !(emptyIsNull && v.Scalar().empty())) e.value = QString::fromStdString(v.Scalar());
            out.push_back(std::move(e));
        }
    } catch (const YAML::Exception& e) {
        *why = QStringLiteral("%1:%2:%3: %4").arg(file).arg(e.mark.line + 1).arg(e.mark.column + 1).arg(QString::fromStdString(e.msg));
        return std::nullopt;
    }
    return out;
}

int vaultImport(const QStringList& args) {
    return runCommand({opt("kontena vault import"),
                       opt("Write every secret of a YAML or JSON map (FILE, or - for stdin); a null value removes the secret."),
                       {{opt("force"), opt("Do not ask (accepted for Kontena's scripts)")},
                        {opt("empty-is-null"), opt("An empty value removes the secret too")},
                        {opt("skip-null"), opt("Leave secrets with a null value alone")}},
                       {opt("FILE")}, Needs::Grid},
                      args, [](Call& c) {
                          QString why;
                          const auto entries = readImport(c.arg(0), c.isSet("empty-is-null"), &why);
                          if (!entries) return c.usage(why);
                          for (const ImportEntry& e : *entries) {
                              if (!e.value) {
                                  if (!c.isSet("skip-null") && !c.del(paths::secret(c.grid(), e.name))) return c.failed();
                                  continue;
                              }
                              api::SecretUpdate body;
                              body.value = *e.value;
                              body.upsert = true;
                              if (!c.put<api::Secret>(paths::secret(c.grid(), e.name), body)) return c.failed();
                          }
                          return static_cast<int>(Ok);
                      });
}

}  // namespace

Group vaultGroup() {
    return {opt("vault"), opt("Secrets of the grid's vault"), [](const QStringList& args) {
                return dispatchGroup(opt("vault"), args,
                                     {{opt("ls"), opt("List secrets"), vaultList},
                                      {opt("write"), opt("Write a new secret"), vaultWrite},
                                      {opt("read"), opt("Show a secret's value"), vaultRead},
                                      {opt("update"), opt("Change a secret's value"), vaultUpdate},
                                      {opt("rm"), opt("Remove secrets"), vaultRemove},
                                      {opt("export"), opt("Print every secret with its value"), vaultExport},
                                      {opt("import"), opt("Write secrets from a YAML or JSON file"), vaultImport}});
            }};
}

}  // namespace kontena::cli
