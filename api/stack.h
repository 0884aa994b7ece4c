#pragma once
// Stacks (master/API.md "Stacks").

#include "api/model.h"
#include "api/service.h"

namespace kontena::api {

// GET /v1/stacks/:grid/:name, elements of GET /v1/grids/:grid/stacks; also
// the answer of install and upgrade (with deployId).
struct Stack : Model<Stack> {
    QString id;                 // grid/name
    QString name, stack, version;
    int revision = 0;
    QString state;              // initialized|deploying|running|stopped|partially_running
    QJsonValue expose;
    std::optional<QString> parent;
    QStringList children;
    QStringList labels;         // stack labels ("key=value"): the file's `labels:`, or as PATCHed
    QJsonObject variables;
    QString source;             // the rendered stack file as installed
    QList<Service> services;
    std::optional<QString> createdAt, updatedAt;
    std::optional<QString> deployId;   // install/upgrade answers: the deploy started
    static auto fields() {
        return std::tuple{field("id", &Stack::id), field("name", &Stack::name), field("stack", &Stack::stack),
                          field("version", &Stack::version), field("revision", &Stack::revision), field("state", &Stack::state),
                          field("expose", &Stack::expose), field("parent", &Stack::parent), field("children", &Stack::children),
                          field("labels", &Stack::labels),
                          field("variables", &Stack::variables), field("source", &Stack::source), field("services", &Stack::services),
                          field("created_at", &Stack::createdAt), field("updated_at", &Stack::updatedAt),
                          field("deploy_id", &Stack::deployId, Empty::Omit)};
    }
    bool running() const { return state == QLatin1String("running"); }
};

// GET /v1/grids/:grid/stacks
struct StackList : Model<StackList> {
    QList<Stack> stacks;
    static auto fields() { return std::tuple{field("stacks", &StackList::stacks)}; }
};

// POST /v1/grids/:grid/stacks (install), PUT /v1/stacks/:grid/:name (upgrade).
struct StackInstall : Model<StackInstall> {
    QString name;
    QString source;             // the stack file as the CLI rendered it
    QJsonObject variables;      // final variable values
    bool deploy = true;         // false: --no-deploy
    std::optional<QString> stack, version, parentName;
    // The files the stack file reads (child stacks, extends, env_file), by
    // their path relative to the stack file's directory: the master reads
    // no file of its own.
    QJsonObject files;
    bool skipDependencies = false;   // install only this stack, not its `depends:` (--skip-dependencies)
    static auto fields() {
        return std::tuple{field("name", &StackInstall::name), field("source", &StackInstall::source),
                          field("variables", &StackInstall::variables), field("deploy", &StackInstall::deploy),
                          field("stack", &StackInstall::stack, Empty::Omit), field("version", &StackInstall::version, Empty::Omit),
                          field("parent_name", &StackInstall::parentName, Empty::Omit), field("files", &StackInstall::files, Empty::Omit),
                          field("skip_dependencies", &StackInstall::skipDependencies, Empty::Omit)};
    }
};

// PATCH /v1/stacks/:grid/:name: what changes without an upgrade. Labels
// replace the stack's (an empty list removes them); absent: unchanged.
struct StackPatch : Model<StackPatch> {
    std::optional<QStringList> labels;
    static auto fields() { return std::tuple{field("labels", &StackPatch::labels, Empty::Omit)}; }
};

// The answer of POST /v1/stacks/:grid/:name/deploy|stop|start|restart.
struct StackAction : Model<StackAction> {
    QString stackId;              // grid/name
    std::optional<QString> id;    // the stack deploy started, if one did
    static auto fields() {
        return std::tuple{field("stack_id", &StackAction::stackId), field("id", &StackAction::id, Empty::Omit)};
    }
};

// A stack deploy: GET /v1/stacks/:grid/:name/deploys/:id (the id a
// StackAction names).
struct StackDeploy : Model<StackDeploy> {
    QString id, stackId;
    QString state;      // created|ongoing|success|error
    QString error;
    std::optional<QString> createdAt, finishedAt;
    QList<Deploy> serviceDeploys;
    static auto fields() {
        return std::tuple{field("id", &StackDeploy::id), field("stack_id", &StackDeploy::stackId), field("state", &StackDeploy::state),
                          field("error", &StackDeploy::error), field("created_at", &StackDeploy::createdAt),
                          field("finished_at", &StackDeploy::finishedAt), field("service_deploys", &StackDeploy::serviceDeploys)};
    }
    bool finished() const { return succeeded() || state == QLatin1String("error"); }
    bool succeeded() const { return state == QLatin1String("success"); }
};

}  // namespace kontena::api
