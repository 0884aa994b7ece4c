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
// `list`/`ls` and `remove`/`rm` name the same sub (Kontena's aliases).
int dispatchGroup(const QString& group, const QStringList& args, const std::vector<Sub>& subs);

// The command tree under a group, for `kontena --help`: each sub with its
// depth (1 = the group's own subs). Commands given treeArgument() alone
// while collectingTree() do nothing (runCommand checks it).
struct TreeEntry {
    int depth = 1;
    QString name, summary;
};
std::vector<TreeEntry> commandTree(const std::function<int(const QStringList&)>& group);
const QString& treeArgument();

// `service create|update|rm|link|unlink|env` (service_define.cpp).
std::vector<Sub> serviceDefinitionSubs();
// `stack label ls|add|remove` (stack_label_command.cpp).
Sub stackLabelSub();
// `master config get|set|unset|import|load|export|dump` (master_config_command.cpp).
Sub masterConfigSub();
bool collectingTree();

}  // namespace kontena::cli
