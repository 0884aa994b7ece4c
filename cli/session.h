#pragma once
// What the commands that talk to a master share: one runner that parses the
// arguments, opens the session (configuration, current master and grid),
// makes typed calls (api/ structs, api::paths) that print the master's
// errors, and prints either `-o json` or the command's own text. A command
// is then only its own logic:
//
//   return runCommand({QStringLiteral("kontena node ls"), QStringLiteral("List the grid's nodes."), {}, {}, Needs::Grid, true},
//                     args, [](Call& c) {
//       const auto nodes = c.get<api::NodeList>(api::paths::gridNodes(c.grid()));
//       if (!nodes) return c.failed();
//       return c.print(api::toJsonArray(nodes->nodes), [&] { ...table... });
//   });

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

#include "client/client.h"

namespace kontena::cli {

// A parser for `kontena <group> <command>` with --help and, for listings, -o.
struct Parsed {
    QCommandLineParser p;
    bool optionsFirst = false;   // after the first positional, everything is positional (`exec SERVICE ls -la`)
    int exit = -1;   // >= 0: stop with this code (help printed or usage error)
};
void parseArgs(Parsed& out, const QString& command, const QString& description, const QStringList& args,
               const QList<QCommandLineOption>& options, const QStringList& positionals, bool listing = false,
               int minPositionals = -1, int maxPositionals = -1);

struct Session {
    client::Config config;
    client::MasterEntry master;
    std::unique_ptr<client::ApiClient> api;
    QString grid;
};

// What a command needs before it calls the master.
enum class Needs {
    Nothing,   // handles the configuration itself
    Master,    // a current master (logged in)
    Grid,      // and a current grid (KONTENA_GRID overrides)
};

struct CommandSpec {
    QString command;        // "kontena grid ls"
    QString description;    // for --help
    QList<QCommandLineOption> options = {};
    QStringList positionals = {};
    Needs needs = Needs::Grid;
    bool listing = false;   // adds -o table|json
    int minPositionals = -1, maxPositionals = -1;   // -1: exactly positionals.size()
    bool optionsFirst = false;   // see Parsed
};

// A running command: its arguments, its session (opened on first use) and
// typed calls. Every call that fails has printed why ("kontena: <message>
// (HTTP <status>)"); the command then returns failed().
class Call {
public:
    Call(const CommandSpec& spec, QCommandLineParser& p) : needs(spec.needs), spec_(spec), p_(p) {}

    Needs needs;   // a command may lower it before its first call (grid show NAME needs no current grid)

    const QCommandLineParser& parser() const { return p_; }
    QString arg(int i) const { return p_.positionalArguments().value(i); }
    QStringList args() const { return p_.positionalArguments(); }
    QString value(const char* option) const { return p_.value(QLatin1String(option)); }
    QStringList values(const char* option) const { return p_.values(QLatin1String(option)); }
    bool isSet(const char* option) const { return p_.isSet(QLatin1String(option)); }
    bool json() const;   // -o json

    // The session; nullptr (reason printed) when there is no master, or no grid and one is needed.
    Session* session();
    QString grid();   // the current grid ("" without a session)

    template <class T>
    std::optional<T> get(const QString& path) { return typed<T>([&](client::ApiClient& a) { return a.get(path); }); }
    template <class T, class Body>
    std::optional<T> post(const QString& path, const Body& body) {
        return typed<T>([&](client::ApiClient& a) { return a.post(path, body.toJson()); });
    }
    template <class T, class Body>
    std::optional<T> put(const QString& path, const Body& body) {
        return typed<T>([&](client::ApiClient& a) { return a.put(path, body.toJson()); });
    }
    template <class T, class Body>
    std::optional<T> patch(const QString& path, const Body& body) {
        return typed<T>([&](client::ApiClient& a) { return a.patch(path, body.toJson()); });
    }
    // Untyped JSON (the master configuration is free-form key/value).
    std::optional<QJsonValue> getJson(const QString& path);
    bool sendJson(const QByteArray& verb, const QString& path, const QJsonObject& body);   // PATCH, PUT
    // Calls whose answer is not needed; false when they failed.
    bool post(const QString& path);
    bool del(const QString& path);
    template <class Body>
    bool put(const QString& path, const Body& body) {
        return raw([&](client::ApiClient& a) { return a.put(path, body.toJson()); }).has_value();
    }

    // With -o json: `json`; otherwise runs `text`. Returns Ok.
    int print(const QJsonValue& json, const std::function<void()>& text);
    int failed() const;                       // the exit code after a failed call
    int usage(const QString& message) const;  // "<command>: message", the usage exit code

private:
    std::optional<client::ApiResult> raw(const std::function<client::ApiResult(client::ApiClient&)>& send);
    template <class T>
    std::optional<T> typed(const std::function<client::ApiResult(client::ApiClient&)>& send) {
        const auto r = raw(send);
        if (!r) return std::nullopt;
        auto t = client::decodeAs<T>(*r);
        if (!t.ok()) {
            fail(*t.error);
            return std::nullopt;
        }
        return std::move(t.value);
    }
    void fail(const client::ApiError& e);

    const CommandSpec& spec_;
    QCommandLineParser& p_;
    std::optional<Session> session_;
    bool sessionTried_ = false;
};

// Parses `args` for `spec` (help and usage errors handled here), then runs
// `body`. Returns the exit code.
int runCommand(const CommandSpec& spec, const QStringList& args, const std::function<int(Call&)>& body);

// Prints the API error as "kontena: <message>" and returns the exit code.
int apiFailure(const client::ApiError& e);

// A table with Kontena's column names.
void printTable(const QStringList& header, const QList<QStringList>& rows);
void printJson(const QJsonValue& v);

// Polls a service deploy (or, with `stack`, a stack deploy) until it ends;
// progress on stderr. Returns the exit code.
int waitForDeploy(Call& c, const QString& path, const QString& what, bool stack);

QString ago(const std::optional<QString>& isoTime);

}  // namespace kontena::cli
