#include "gui/models/edits.h"

#include <QFont>

#include <algorithm>
#include <string>
#include <type_traits>

#include "gui/models/tables.h"

namespace kontena::gui {

QString eventAction(const sim::Event& e) { return QString::fromStdString(sim::actionName(e.action)); }

QString eventSubject(const sim::Event& e) {
    return std::visit(
        [](const auto& a) -> QString {
            using A = std::decay_t<decltype(a)>;
            if constexpr (requires { a.node; }) {
                if constexpr (std::is_convertible_v<decltype(a.node), std::string>) return QString::fromStdString(a.node);
            }
            if constexpr (requires { a.stack; }) {
                if constexpr (std::is_convertible_v<decltype(a.stack), std::string>) return QString::fromStdString(a.stack);
            }
            if constexpr (requires { a.instance.name(); }) return QString::fromStdString(a.instance.name());
            if constexpr (requires { a.service.key(); }) return QString::fromStdString(a.service.key());
            if constexpr (std::is_same_v<A, sim::NodeAdd>) {
                QStringList names;
                for (const auto& n : a.nodes) names << QString::fromStdString(n.name);
                return names.join(QStringLiteral(", "));
            }
            return QString();
        },
        e.action);
}

namespace edits {

namespace {

void sortByTime(sim::Scenario& sc) {
    std::stable_sort(sc.events.begin(), sc.events.end(), [](const sim::Event& a, const sim::Event& b) { return a.at < b.at; });
}

}  // namespace

int add(sim::Scenario& sc, Instant at, sim::Action action) {
    int next = 1;
    for (const auto& e : sc.events) next = std::max(next, e.index + 1);
    sim::Event e;
    e.index = next;
    e.at = at;
    e.action = std::move(action);
    e.pos = sim::SourcePos{};
    sc.events.push_back(std::move(e));
    sortByTime(sc);
    return next;
}

bool move(sim::Scenario& sc, int index, Instant at) {
    for (auto& e : sc.events) {
        if (e.index != index) continue;
        e.at = at;
        sortByTime(sc);
        return true;
    }
    return false;
}

bool remove(sim::Scenario& sc, int index) {
    const auto it = std::find_if(sc.events.begin(), sc.events.end(), [&](const sim::Event& e) { return e.index == index; });
    if (it == sc.events.end()) return false;
    sc.events.erase(it);
    return true;
}

}  // namespace edits

void ScenarioEventModel::setEvents(const std::vector<sim::Event>& events) {
    beginResetModel();
    events_ = events;
    endResetModel();
}

int ScenarioEventModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(events_.size()); }
int ScenarioEventModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ScenarioEventModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const sim::Event& e = events_[static_cast<std::size_t>(index.row())];
    if (role == IndexRole) return e.index;
    if (role == EventModel::TimeRole) return QVariant::fromValue<qlonglong>(e.at.ms);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Index: return e.index;
    case Time: return formatTime(e.at);
    case Action: return eventAction(e);
    case Subject: return eventSubject(e);
    default: return {};
    }
}

QVariant ScenarioEventModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Index: return QStringLiteral("#");
    case Time: return QStringLiteral("At");
    case Action: return QStringLiteral("Event");
    case Subject: return QStringLiteral("Subject");
    default: return {};
    }
}

RunFigures figuresOf(const sim::RunReport& r) {
    RunFigures f;
    f.checks = static_cast<int>(r.checks.size());
    for (const auto& c : r.checks) f.checksPassed += c.passed ? 1 : 0;
    f.instanceStarts = r.stats.instancesStarted;
    f.moves = r.stats.instancesMoved;
    f.restarts = r.stats.restarts;
    f.placementFailures = r.stats.placementFailures;
    f.refusedEvents = r.stats.refusedEvents;
    f.stopped = r.stats.instancesStopped;
    f.quorumLosses = static_cast<int>(r.quorumLoss.size());
    for (const auto& s : r.nodeSpans) {
        if (s.state == "offline") f.offlineNodeMinutes += (s.to.ms - s.from.ms) / 60'000;
    }
    return f;
}

namespace {

struct Row {
    const char* name;
    long (*value)(const RunFigures&);
};

const Row kRows[] = {
    {"checks passed", [](const RunFigures& f) { return static_cast<long>(f.checksPassed); }},
    {"checks", [](const RunFigures& f) { return static_cast<long>(f.checks); }},
    {"instance starts", [](const RunFigures& f) { return f.instanceStarts; }},
    {"instances moved", [](const RunFigures& f) { return f.moves; }},
    {"instances stopped", [](const RunFigures& f) { return f.stopped; }},
    {"restarts", [](const RunFigures& f) { return f.restarts; }},
    {"placement failures", [](const RunFigures& f) { return f.placementFailures; }},
    {"refused events", [](const RunFigures& f) { return f.refusedEvents; }},
    {"quorum losses", [](const RunFigures& f) { return static_cast<long>(f.quorumLosses); }},
    {"node-minutes offline", [](const RunFigures& f) { return f.offlineNodeMinutes; }},
};

constexpr int kRowCount = static_cast<int>(sizeof(kRows) / sizeof(kRows[0]));

}  // namespace

void CompareModel::setRuns(std::optional<RunFigures> before, const RunFigures& after) {
    beginResetModel();
    before_ = before;
    after_ = after;
    endResetModel();
}

int CompareModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kRowCount; }
int CompareModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CompareModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& row = kRows[index.row()];
    const bool differs = before_ && row.value(*before_) != row.value(after_);
    if (role == Qt::FontRole && differs) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Figure: return QString::fromLatin1(row.name);
    case Before: return before_ ? QVariant(static_cast<qlonglong>(row.value(*before_))) : QVariant(QStringLiteral("-"));
    case After: return static_cast<qlonglong>(row.value(after_));
    default: return {};
    }
}

QVariant CompareModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Figure: return QStringLiteral("Figure");
    case Before: return QStringLiteral("Previous run");
    case After: return QStringLiteral("This run");
    default: return {};
    }
}

int CompareModel::differences() const {
    if (!before_) return 0;
    int n = 0;
    for (const Row& r : kRows) n += r.value(*before_) != r.value(after_) ? 1 : 0;
    return n;
}

}  // namespace kontena::gui
