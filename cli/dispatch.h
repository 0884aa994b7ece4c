#pragma once
// Subcommand tables for command groups.

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace kontena::cli {

struct Sub {
    QString name;
    QString summary;
    std::function<int(const QStringList& args)> run;
};

// `kontena <group> <sub> ...`: runs the sub, or prints the group's usage.
int dispatchGroup(const QString& group, const QStringList& args, const std::vector<Sub>& subs);

}  // namespace kontena::cli
