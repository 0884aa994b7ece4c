#pragma once
// The command tree of `kontena`: groups (`stack`, later `master`, `grid`,
// `node`, `service`, `volume`) each own their subcommands in one file and
// register themselves here with a Group value.

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace kontena::cli {

// Exit codes of every command.
enum ExitCode { Ok = 0, Invalid = 1, Usage = 2 };

struct Group {
    QString name;       // "stack"
    QString summary;    // one line for `kontena --help`
    // Runs the group with the arguments after its name ("validate", "f.yml", ...).
    std::function<int(const QStringList& args)> run;
};

// Every group, in the order `kontena --help` lists them.
const std::vector<Group>& groups();

// Groups, defined in their own files.
Group stackGroup();
Group versionGroup();
Group masterGroup();
Group gridGroup();
Group nodeGroup();
Group serviceGroup();
Group containerGroup();
Group whoamiGroup();
Group volumeGroup();
Group vaultGroup();
Group certificateGroup();
Group externalRegistryGroup();

// Text helpers for commands: write to stdout / stderr as UTF-8.
void printOut(const QString& text);
void printErr(const QString& text);

}  // namespace kontena::cli
