#include "gui/models/tables.h"

#include <QBrush>
#include <QColor>

namespace kontena::gui {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

QString formatTime(Instant t) { return qs(formatDuration(t - Instant(0))); }

// ------------------------------------------------------------ nodes

void NodeModel::setFrame(const Frame& frame) {
    beginResetModel();
    nodes_ = frame.nodes;
    endResetModel();
}

int NodeModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(nodes_.size()); }
int NodeModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant NodeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const NodeFrame& n = nodes_[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return n.name;
        case Status: return n.status;
        case Initial: return n.initial ? QStringLiteral("#%1 (etcd)").arg(n.number) : QStringLiteral("#%1").arg(n.number);
        case Labels: return n.labels;
        case Instances: return n.instances.join(QStringLiteral(", "));
        default: return {};
        }
    }
    if (role == Qt::BackgroundRole && index.column() == Status) {
        if (n.status == QLatin1String("offline")) return QBrush(QColor(0xf4, 0xc7, 0xc3));
        if (n.status == QLatin1String("drain")) return QBrush(QColor(0xfd, 0xe2, 0x93));
        if (n.status == QLatin1String("online")) return QBrush(QColor(0xc8, 0xe6, 0xc9));
    }
    return {};
}

QVariant NodeModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Node", "Status", "Number", "Labels", "Instances"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}

// ------------------------------------------------------------ checks

void CheckModel::setChecks(const std::vector<sim::CheckResult>& checks) {
    beginResetModel();
    checks_ = checks;
    endResetModel();
}

int CheckModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(checks_.size()); }
int CheckModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CheckModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const sim::CheckResult& c = checks_[static_cast<std::size_t>(index.row())];
    if (role == TimeRole) return static_cast<qlonglong>(c.failedAt ? c.failedAt->ms : c.when.from.ms);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Number: return c.index;
        case When: return c.when.from == c.when.to ? formatTime(c.when.from) : formatTime(c.when.from) + QStringLiteral(" – ") + formatTime(c.when.to);
        case Subject: return qs(c.subject);
        case Expected: return qs(c.expected);
        case Actual: return qs(c.actual);
        case Result: return c.passed ? QStringLiteral("ok") : QStringLiteral("FAILED at ") + formatTime(c.failedAt.value_or(c.when.from));
        default: return {};
        }
    }
    if (role == Qt::BackgroundRole && index.column() == Result) return QBrush(c.passed ? QColor(0xc8, 0xe6, 0xc9) : QColor(0xf4, 0xc7, 0xc3));
    return {};
}

QVariant CheckModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"#", "When", "Subject", "Expected", "Actual", "Result"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}

// ------------------------------------------------------------ events

void EventModel::setEntries(const std::vector<sim::TimelineEntry>& entries) {
    beginResetModel();
    entries_ = entries;
    endResetModel();
}

int EventModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(entries_.size()); }
int EventModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EventModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const sim::TimelineEntry& e = entries_[static_cast<std::size_t>(index.row())];
    if (role == TimeRole) return static_cast<qlonglong>(e.at.ms);
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Time: return formatTime(e.at);
        case Kind: return qs(e.kind);
        case Subject: return qs(e.subject);
        case Detail: return qs(e.detail);
        default: return {};
        }
    }
    if (role == Qt::ForegroundRole && e.kind.find("refused") != std::string::npos) return QBrush(QColor(0xb7, 0x1c, 0x1c));
    return {};
}

QVariant EventModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Time", "What", "Subject", "Detail"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}

}  // namespace kontena::gui
