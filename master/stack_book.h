#pragma once
// What the master keeps about each installed stack beside the core's Stack
// record: the file as installed (source), its variables, the parent stack,
// the `stack:`/`version:` it declared, creation and update times, and
// whether a stack deploy was still running (a restart starts it again).
// Also reads rendered stack-file text into a stacks::Stack (stacks/).

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "stacks/apply.h"
#include "stacks/loader.h"

namespace kontena::master {

class StackBook {
public:
    // Parses `source` (the rendered stack file) as stack `name` of `grid`
    // with `variables` (bools, numbers and strings; other values ignored).
    // `backend` answers the resolvers the master can (null: none). The
    // result carries file:line:column diagnostics when it is invalid.
    // `files` are the files the stack file reads (child stacks, extends,
    // env_file) by path relative to its directory, as the CLI sent them; no
    // other file is read (the master's own filesystem never is).
    static stacks::LoadResult load(const QString& name, const QString& grid, const QString& source,
                                   const QJsonObject& variables, stacks::ResolverBackend* backend = nullptr,
                                   const QJsonObject& files = {});

    // Records an applied step of an install (stacks/apply.h). `source` is
    // kept only for the stack the user named (the step without a parent).
    // The stack's labels become the file's `labels:` (none when it has
    // none), as Kontena's install and upgrade set them.
    void recordApplied(const stacks::StackApplyStep& step, const QString& source, const QJsonObject& variables, Instant now);
    // Records whether `stack`'s stack deploy is still pending or running.
    // True when that changed (the grid then has something new to save).
    bool setDeployPending(const QString& stack, bool pending);

    // Replaces `stack`'s labels (PATCH /v1/stacks/:grid/:name). True when
    // they changed. The caller makes sure the core has `stack`.
    bool setLabels(const QString& stack, const QStringList& labels);
    QStringList labels(const QString& stack) const;

    // The core dropped `stack`: its record goes too.
    void forget(const QString& stack) { docs_.remove(stack); }

    QString parent(const QString& stack) const;
    QStringList children(const QString& stack) const;       // stacks whose parent is `stack`, sorted
    QStringList pendingDeploys() const;                     // stacks whose deploy a restart must start again
    QJsonObject document(const QString& stack) const { return docs_.value(stack); }

    // The stored form (one object per stack name) and back.
    QJsonObject toJson() const;
    static StackBook fromJson(const QJsonObject& o);

private:
    QHash<QString, QJsonObject> docs_;   // name -> {source, parent, stack, version, labels, variables, created_at, updated_at, deploy_pending}
};

}  // namespace kontena::master
