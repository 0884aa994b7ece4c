#include "gui/models/live.h"

#include <QJsonValue>

namespace kontena::gui {

JsonTableModel::JsonTableModel(QString keyField, std::vector<Column> columns, QObject* parent)
    : QAbstractTableModel(parent), keyField_(std::move(keyField)), columns_(std::move(columns)) {}

void JsonTableModel::setRows(const QJsonArray& rows) {
    std::vector<QJsonObject> next;
    next.reserve(static_cast<std::size_t>(rows.size()));
    for (const QJsonValue& v : rows) {
        if (v.isObject()) next.push_back(v.toObject());
    }
    bool sameKeys = next.size() == rows_.size();
    for (std::size_t i = 0; sameKeys && i < next.size(); ++i) {
        sameKeys = next[i].value(keyField_) == rows_[i].value(keyField_);
    }
    if (!sameKeys) {
        beginResetModel();
        rows_ = std::move(next);
        endResetModel();
        return;
    }
    rows_ = std::move(next);
    if (!rows_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int JsonTableModel::rowOf(const QString& key) const {
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (rows_[i].value(keyField_).toString() == key) return static_cast<int>(i);
    }
    return -1;
}

int JsonTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }
int JsonTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(columns_.size()); }

QVariant JsonTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const QJsonObject& o = rows_[static_cast<std::size_t>(index.row())];
    if (role == KeyRole) return o.value(keyField_).toString();
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    return columns_[static_cast<std::size_t>(index.column())].value(o);
}

QVariant JsonTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount()) return {};
    return columns_[static_cast<std::size_t>(section)].header;
}

namespace {

QString str(const QJsonObject& o, const char* key) { return o.value(QLatin1String(key)).toString(); }

QString joined(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& x : v.toArray()) out << x.toString();
    return out.join(QStringLiteral(", "));
}

}  // namespace

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

QString formatLogLines(const QJsonArray& logs, const QString& filter) {
    QStringList lines;
    for (const QJsonValue& v : logs) {
        const QJsonObject o = v.toObject();
        const QString line = str(o, "created_at") + QLatin1Char(' ') + str(o, "name") + QStringLiteral(": ") + str(o, "data").trimmed();
        if (filter.isEmpty() || line.contains(filter, Qt::CaseInsensitive)) lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

LiveNodeModel::LiveNodeModel(QObject* parent)
    : JsonTableModel(QStringLiteral("name"),
                     {{QStringLiteral("Node"), [](const QJsonObject& o) { return QVariant(str(o, "name")); }},
                      {QStringLiteral("Status"), [](const QJsonObject& o) { return QVariant(str(o, "status")); }},
                      {QStringLiteral("#"), [](const QJsonObject& o) { return QVariant(o.value(QStringLiteral("node_number")).toInt()); }},
                      {QStringLiteral("Initial"),
                       [](const QJsonObject& o) {
                           return QVariant(o.value(QStringLiteral("initial_member")).toBool() ? QStringLiteral("initial") : QString());
                       }},
                      {QStringLiteral("Availability"), [](const QJsonObject& o) { return QVariant(str(o, "availability")); }},
                      {QStringLiteral("Labels"), [](const QJsonObject& o) { return QVariant(joined(o.value(QStringLiteral("labels")))); }},
                      {QStringLiteral("CPUs"), [](const QJsonObject& o) { return QVariant(o.value(QStringLiteral("cpus")).toInt()); }},
                      {QStringLiteral("Memory"),
                       [](const QJsonObject& o) { return QVariant(formatBytes(o.value(QStringLiteral("mem_total")).toDouble())); }}},
                     parent) {}

LiveServiceModel::LiveServiceModel(QObject* parent)
    : JsonTableModel(QStringLiteral("id"),
                     {{QStringLiteral("Service"),
                       [](const QJsonObject& o) { return QVariant(str(o, "stack") + QLatin1Char('/') + str(o, "name")); }},
                      {QStringLiteral("State"), [](const QJsonObject& o) { return QVariant(str(o, "state")); }},
                      {QStringLiteral("Running"),
                       [](const QJsonObject& o) {
                           const QJsonObject c = o.value(QStringLiteral("instance_counts")).toObject();
                           return QVariant(QStringLiteral("%1 / %2").arg(c.value(QStringLiteral("running")).toInt()).arg(o.value(QStringLiteral("instances")).toInt()));
                       }},
                      {QStringLiteral("Strategy"), [](const QJsonObject& o) { return QVariant(str(o, "strategy")); }},
                      {QStringLiteral("Health"),
                       [](const QJsonObject& o) {
                           const QJsonValue h = o.value(QStringLiteral("health_status"));
                           if (!h.isObject()) return QVariant(QStringLiteral("-"));
                           return QVariant(QStringLiteral("%1 / %2 healthy")
                                               .arg(h.toObject().value(QStringLiteral("healthy")).toInt())
                                               .arg(h.toObject().value(QStringLiteral("total")).toInt()));
                       }}},
                     parent) {}

LiveStackModel::LiveStackModel(QObject* parent)
    : JsonTableModel(QStringLiteral("name"),
                     {{QStringLiteral("Stack"), [](const QJsonObject& o) { return QVariant(str(o, "name")); }},
                      {QStringLiteral("Source"), [](const QJsonObject& o) { return QVariant(str(o, "stack") + QLatin1Char(':') + str(o, "version")); }},
                      {QStringLiteral("State"), [](const QJsonObject& o) { return QVariant(str(o, "state")); }},
                      {QStringLiteral("Services"),
                       [](const QJsonObject& o) { return QVariant(static_cast<int>(o.value(QStringLiteral("services")).toArray().size())); }}},
                     parent) {}

}  // namespace kontena::gui
