#pragma once
// What the commands that talk to a master share: the configuration, the
// current master and grid, an API client, tables and `-o json` output.

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

// Loads the config and the current master; prints why not and returns nullopt
// (exit code in `exit`) when there is none or no grid is selected and one is needed.
std::optional<Session> openSession(bool needGrid, int* exit);

// Prints the API error as "kontena: <message>" and returns the exit code.
int apiFailure(const client::ApiResult& r);

// A table with Kontena's column names; or, with -o json, the objects.
void printTable(const QStringList& header, const QList<QStringList>& rows);
bool wantsJson(const QCommandLineParser& p);
void printJson(const QJsonValue& v);

// Polls a deploy until it ends; progress on stderr. Returns the exit code.
int waitForDeploy(Session& s, const QString& path, const QString& what);

QString ago(const QString& isoTime);

}  // namespace kontena::cli
