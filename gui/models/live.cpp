#include "gui/models/live.h"

namespace kontena::gui {

LiveTableModel::LiveTableModel(QStringList headers, QObject* parent) : QAbstractTableModel(parent), headers_(std::move(headers)) {}

void LiveTableModel::replaceRows(QStringList keys, const std::function<void()>& assign) {
    if (keys != keys_) {
        beginResetModel();
        keys_ = std::move(keys);
        assign();
        endResetModel();
        return;
    }
    assign();
    if (!keys_.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int LiveTableModel::rowOf(const QString& key) const { return static_cast<int>(keys_.indexOf(key)); }

int LiveTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(keys_.size()); }
int LiveTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(headers_.size()); }

QVariant LiveTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    if (role == KeyRole) return keys_[index.row()];
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    return cell(index.row(), index.column());
}

QVariant LiveTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount()) return {};
    return headers_[section];
}

QString formatBytes(double bytes) {
    if (bytes <= 0) return QStringLiteral("-");
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) {
        bytes /= 1024.0;
        ++u;
    }
    return QString::number(bytes, 'f', u == 0 ? 0 : 1) + QLatin1Char(' ') + QLatin1String(units[u]);
}

QString formatLogLines(const QList<api::ContainerLogEntry>& logs, const QString& filter) {
    QStringList lines;
    for (const auto& e : logs) {
        const QString line = e.line();
        if (filter.isEmpty() || line.contains(filter, Qt::CaseInsensitive)) lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

QString formatLogLines(const QJsonArray& logs, const QString& filter) {
    QList<api::ContainerLogEntry> entries;
    for (const QJsonValue& v : logs) {
        if (auto e = api::ContainerLogEntry::fromJson(v)) entries.append(std::move(e).value());
    }
    return formatLogLines(entries, filter);
}

LiveNodeModel::LiveNodeModel(QObject* parent)
    : TypedTableModel<api::Node>([](const api::Node& n) { return n.name; },
                                 {{QStringLiteral("Node"), [](const api::Node& n) { return QVariant(n.name); }},
                                  {QStringLiteral("Status"), [](const api::Node& n) { return QVariant(n.status); }},
                                  {QStringLiteral("#"), [](const api::Node& n) { return QVariant(n.nodeNumber); }},
                                  {QStringLiteral("Initial"),
                                   [](const api::Node& n) { return QVariant(n.initialMember ? QStringLiteral("initial") : QString()); }},
                                  {QStringLiteral("Availability"), [](const api::Node& n) { return QVariant(n.availability); }},
                                  {QStringLiteral("Labels"), [](const api::Node& n) { return QVariant(n.labels.join(QStringLiteral(", "))); }},
                                  {QStringLiteral("CPUs"), [](const api::Node& n) { return QVariant(n.cpus); }},
                                  {QStringLiteral("Memory"), [](const api::Node& n) { return QVariant(formatBytes(n.memTotal)); }}},
                                 parent) {}

namespace {

QVariant healthText(const api::Service& s) {
    if (!s.healthStatus) return QStringLiteral("-");
    return QStringLiteral("%1 / %2 healthy").arg(s.healthStatus->healthy).arg(s.healthStatus->total);
}

}  // namespace

LiveServiceModel::LiveServiceModel(QObject* parent)
    : TypedTableModel<api::Service>(
          [](const api::Service& s) { return s.id; },
          {{QStringLiteral("Service"), [](const api::Service& s) { return QVariant(s.stack + QLatin1Char('/') + s.name); }},
           {QStringLiteral("State"), [](const api::Service& s) { return QVariant(s.state); }},
           {QStringLiteral("Running"),
            [](const api::Service& s) { return QVariant(QStringLiteral("%1 / %2").arg(s.instanceCounts.running).arg(s.instances)); }},
           {QStringLiteral("Strategy"), [](const api::Service& s) { return QVariant(s.strategy); }},
           {QStringLiteral("Health"), healthText}},
          parent) {}

LiveStackModel::LiveStackModel(QObject* parent)
    : TypedTableModel<api::Stack>([](const api::Stack& s) { return s.name; },
                                  {{QStringLiteral("Stack"), [](const api::Stack& s) { return QVariant(s.name); }},
                                   {QStringLiteral("Source"), [](const api::Stack& s) { return QVariant(s.stack + QLatin1Char(':') + s.version); }},
                                   {QStringLiteral("State"), [](const api::Stack& s) { return QVariant(s.state); }},
                                   {QStringLiteral("Services"), [](const api::Stack& s) { return QVariant(static_cast<int>(s.services.size())); }}},
                                  parent) {}

}  // namespace kontena::gui
