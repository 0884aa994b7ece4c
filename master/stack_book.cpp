#include "master/stack_book.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonValue>

#include <cmath>

#include "master/json_util.h"
#include "stacks/sources.h"

namespace kontena::master {

namespace {

// A JSON variable as a stack-file value; nullopt for arrays, objects and null.
std::optional<stacks::Value> valueOf(const QJsonValue& v) {
    if (v.isBool()) return stacks::Value::boolean(v.toBool());
    if (v.isDouble() && v.toDouble() == std::floor(v.toDouble())) return stacks::Value::integer(static_cast<std::int64_t>(v.toDouble()));
    if (v.isDouble()) return stacks::Value::number(v.toDouble());
    if (v.isString()) return stacks::Value::string(ss(v.toString()));
    return std::nullopt;
}

// The files an install request carried, by clean relative path.
class RequestFiles : public stacks::FileSource {
public:
    explicit RequestFiles(const QJsonObject& files) : files_(files) {}
    std::optional<std::string> read(const std::string& path) override {
        const QJsonValue v = files_.value(QDir::cleanPath(qs(path)));
        if (!v.isString()) return std::nullopt;
        return ss(v.toString());
    }

private:
    const QJsonObject& files_;
};

// Child stacks of a stack registry (`user/stack[:version]`): the CLI fetched
// them and sent them among the files as "registry:<reference>".
class RequestRegistry : public stacks::StackRegistry {
public:
    explicit RequestRegistry(const QJsonObject& files) : files_(files) {}
    std::optional<std::string> fetch(const std::string& ref) override {
        const QJsonValue v = files_.value(QStringLiteral("registry:") + qs(ref));
        if (!v.isString()) return std::nullopt;
        return ss(v.toString());
    }

private:
    const QJsonObject& files_;
};

}  // namespace

stacks::LoadResult StackBook::load(const QString& name, const QString& grid, const QString& source, const QJsonObject& variables,
                                   stacks::ResolverBackend* backend, const QJsonObject& files) {
    RequestFiles requestFiles(files);
    RequestRegistry requestRegistry(files);
    stacks::LoadOptions opt;
    opt.backend = backend;
    opt.files = &requestFiles;
    opt.registry = &requestRegistry;
    opt.name = ss(name);
    opt.grid = ss(grid);
    for (auto it = variables.begin(); it != variables.end(); ++it) {
        if (auto v = valueOf(it.value())) opt.values[ss(it.key())] = *v;
    }
    stacks::MapEnvironment env;   // the CLI rendered the file: no environment of the master's leaks in
    opt.environment = &env;
    return stacks::loadStackText(ss(source), ss(name) + ".yml", opt);
}

void StackBook::recordApplied(const stacks::StackApplyStep& step, const QString& source, const QJsonObject& variables, Instant now) {
    const QString name = qs(step.stack->name);
    QJsonObject doc = docs_.value(name);
    if (!doc.contains(QStringLiteral("created_at"))) doc[QStringLiteral("created_at")] = static_cast<double>(now.ms);
    doc[QStringLiteral("updated_at")] = static_cast<double>(now.ms);
    doc[QStringLiteral("source")] = step.parent.empty() ? source : QString();
    doc[QStringLiteral("parent")] = qs(step.parent);
    doc[QStringLiteral("stack")] = qs(step.stack->stack);
    doc[QStringLiteral("version")] = qs(step.stack->version);
    doc[QStringLiteral("variables")] = variables;
    QJsonArray labels;
    for (const std::string& l : step.stack->labels) labels.append(qs(l));
    doc[QStringLiteral("labels")] = labels;
    docs_.insert(name, doc);
}

bool StackBook::setLabels(const QString& stack, const QStringList& labels) {
    const QJsonArray next = QJsonArray::fromStringList(labels);
    QJsonObject& doc = docs_[stack];   // a stack the book had no document of gets one
    if (doc.value(QStringLiteral("labels")).toArray() == next && doc.contains(QStringLiteral("labels"))) return false;
    doc[QStringLiteral("labels")] = next;
    return true;
}

QStringList StackBook::labels(const QString& stack) const {
    QStringList out;
    for (const QJsonValue& l : docs_.value(stack).value(QStringLiteral("labels")).toArray()) out.append(l.toString());
    return out;
}

bool StackBook::setDeployPending(const QString& stack, bool pending) {
    auto it = docs_.find(stack);
    if (it == docs_.end() || it->value(QStringLiteral("deploy_pending")).toBool() == pending) return false;
    (*it)[QStringLiteral("deploy_pending")] = pending;
    return true;
}

QString StackBook::parent(const QString& stack) const { return docs_.value(stack).value(QStringLiteral("parent")).toString(); }

QStringList StackBook::children(const QString& stack) const {
    QStringList out;
    for (auto it = docs_.begin(); it != docs_.end(); ++it) {
        if (it->value(QStringLiteral("parent")).toString() == stack) out.append(it.key());
    }
    out.sort();
    return out;
}

QStringList StackBook::pendingDeploys() const {
    QStringList out;
    for (auto it = docs_.begin(); it != docs_.end(); ++it) {
        if (it->value(QStringLiteral("deploy_pending")).toBool()) out.append(it.key());
    }
    out.sort();
    return out;
}

QJsonObject StackBook::toJson() const {
    QJsonObject o;
    for (auto it = docs_.begin(); it != docs_.end(); ++it) o.insert(it.key(), *it);
    return o;
}

StackBook StackBook::fromJson(const QJsonObject& o) {
    StackBook b;
    for (auto it = o.begin(); it != o.end(); ++it) b.docs_.insert(it.key(), it.value().toObject());
    return b;
}

}  // namespace kontena::master
