#pragma once
// Live mode models: a running grid as the master's API shows it (master/API.md),
// fed whole snapshots (the JSON arrays of one poll). No widgets here.

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>

#include <functional>
#include <vector>

namespace kontena::gui {

// A table over a JSON array of objects: one row per object, columns given
// as (header, value) pairs, rows identified by a key field so a poll that
// brings the same rows only refreshes their cells (selections survive).
class JsonTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    struct Column {
        QString header;
        std::function<QVariant(const QJsonObject&)> value;
    };
    static constexpr int KeyRole = Qt::UserRole + 1;   // the row's key field
    JsonTableModel(QString keyField, std::vector<Column> columns, QObject* parent = nullptr);

    void setRows(const QJsonArray& rows);
    const QJsonObject& row(int r) const { return rows_[static_cast<std::size_t>(r)]; }
    int rowOf(const QString& key) const;   // -1: none

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    QString keyField_;
    std::vector<Column> columns_;
    std::vector<QJsonObject> rows_;
};

// Nodes: name, status, node number, initial node, availability, labels, CPUs, memory.
class LiveNodeModel : public JsonTableModel {
    Q_OBJECT
public:
    enum Col { Name, Status, Number, Initial, Availability, Labels, Cpus, Memory, ColumnCount };
    explicit LiveNodeModel(QObject* parent = nullptr);
};

// Services: id (stack/name), state, running/desired, strategy, health.
class LiveServiceModel : public JsonTableModel {
    Q_OBJECT
public:
    enum Col { Service, State, Instances, Strategy, Health, ColumnCount };
    explicit LiveServiceModel(QObject* parent = nullptr);
};

// Stacks: name, stack@version, state, services.
class LiveStackModel : public JsonTableModel {
    Q_OBJECT
public:
    enum Col { Name, Stack, State, Services, ColumnCount };
    explicit LiveStackModel(QObject* parent = nullptr);
};

// "4.0 GiB" for a byte count; "-" for 0.
QString formatBytes(double bytes);
// Log lines (container_logs objects) as text, keeping those that contain `filter` (case-insensitive).
QString formatLogLines(const QJsonArray& logs, const QString& filter);

}  // namespace kontena::gui
