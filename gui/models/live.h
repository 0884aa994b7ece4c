#pragma once
// Live mode models: a running grid as the master's API shows it, as the
// typed structs of api/ (master/API.md), fed whole snapshots (the lists of
// one poll). No widgets here.

#include <QAbstractTableModel>
#include <QJsonArray>

#include <functional>
#include <utility>
#include <vector>

#include "api/logs.h"
#include "api/node.h"
#include "api/service.h"
#include "api/stack.h"

namespace kontena::gui {

// A table whose rows are identified by a key, so a poll that brings the
// same rows only refreshes their cells (selections survive) and another set
// of rows resets the model.
class LiveTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int KeyRole = Qt::UserRole + 1;   // the row's key

    int rowOf(const QString& key) const;   // -1: none
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

protected:
    LiveTableModel(QStringList headers, QObject* parent);
    // Swaps in new rows (`assign` stores them) whose keys are `keys`.
    void replaceRows(QStringList keys, const std::function<void()>& assign);
    virtual QVariant cell(int row, int column) const = 0;

private:
    QStringList headers_;
    QStringList keys_;
};

// A live table over rows of one api/ struct.
template <class Row>
class TypedTableModel : public LiveTableModel {
public:
    using Cell = std::function<QVariant(const Row&)>;
    TypedTableModel(std::function<QString(const Row&)> key, std::vector<std::pair<QString, Cell>> columns, QObject* parent)
        : LiveTableModel(headersOf(columns), parent), key_(std::move(key)), columns_(std::move(columns)) {}

    void setRows(QList<Row> rows) {
        QStringList keys;
        for (const Row& r : rows) keys << key_(r);
        replaceRows(keys, [&] { rows_ = std::move(rows); });
    }
    // The API's JSON objects; elements that are not a Row are left out.
    void setRows(const QJsonArray& rows) {
        QList<Row> typed;
        for (const QJsonValue& v : rows) {
            if (auto r = Row::fromJson(v)) typed.append(std::move(r).value());
        }
        setRows(std::move(typed));
    }
    const Row& row(int r) const { return rows_[r]; }

protected:
    QVariant cell(int row, int column) const override { return columns_[static_cast<std::size_t>(column)].second(rows_[row]); }

private:
    static QStringList headersOf(const std::vector<std::pair<QString, Cell>>& columns) {
        QStringList out;
        for (const auto& c : columns) out << c.first;
        return out;
    }
    std::function<QString(const Row&)> key_;
    std::vector<std::pair<QString, Cell>> columns_;
    QList<Row> rows_;
};

// Nodes: name, status, node number, initial node, availability, labels, CPUs, memory. Key: the name.
class LiveNodeModel : public TypedTableModel<api::Node> {
public:
    enum Col { Name, Status, Number, Initial, Availability, Labels, Cpus, Memory, ColumnCount };
    explicit LiveNodeModel(QObject* parent = nullptr);
};

// Services: id (stack/name), state, running/desired, strategy, health. Key: the id (grid/stack/name).
class LiveServiceModel : public TypedTableModel<api::Service> {
public:
    enum Col { Service, State, Instances, Strategy, Health, ColumnCount };
    explicit LiveServiceModel(QObject* parent = nullptr);
};

// Stacks: name, stack@version, state, services. Key: the name.
class LiveStackModel : public TypedTableModel<api::Stack> {
public:
    enum Col { Name, Stack, State, Services, ColumnCount };
    explicit LiveStackModel(QObject* parent = nullptr);
};

// "4.0 GiB" for a byte count; "-" for 0.
QString formatBytes(double bytes);
// Log lines as text, keeping those that contain `filter` (case-insensitive).
QString formatLogLines(const QList<api::ContainerLogEntry>& logs, const QString& filter);
// The same for the API's JSON objects (elements that are not log entries are left out).
QString formatLogLines(const QJsonArray& logs, const QString& filter);

}  // namespace kontena::gui
