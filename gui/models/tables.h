#pragma once
// Table models of the admin GUI, fed whole snapshots (no widgets here).

#include <QAbstractTableModel>

#include <vector>

#include "gui/models/rehearsal.h"

namespace kontena::gui {

// The grid at one instant: one row per node.
class NodeModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Status, Initial, Labels, Instances, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setFrame(const Frame& frame);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<NodeFrame> nodes_;
};

// The scenario's checks.
class CheckModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Number, When, Subject, Expected, Actual, Result, ColumnCount };
    static constexpr int TimeRole = Qt::UserRole + 1;   // ms of the first failing instant (or of the window start)
    using QAbstractTableModel::QAbstractTableModel;
    void setChecks(const std::vector<sim::CheckResult>& checks);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<sim::CheckResult> checks_;
};

// What happened: events, refusals, placements, moves.
class EventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Kind, Subject, Detail, ColumnCount };
    static constexpr int TimeRole = Qt::UserRole + 1;
    using QAbstractTableModel::QAbstractTableModel;
    void setEntries(const std::vector<sim::TimelineEntry>& entries);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<sim::TimelineEntry> entries_;
};

QString formatTime(Instant t);

}  // namespace kontena::gui
