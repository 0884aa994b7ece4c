#pragma once
// Editing what happens in a rehearsal, and comparing two runs: the
// scenario's events as a table, adding / moving / removing events on the
// loaded scenario (in memory; the file stays as it is), and the figures of
// the previous run next to the new one. No widgets here.

#include <QAbstractTableModel>

#include <optional>
#include <vector>

#include "gui/models/rehearsal.h"
#include "simulator/scenario.h"

namespace kontena::gui {

// "node_disconnect" and "node-2" for an event; the subject is empty when the action has none.
QString eventAction(const sim::Event& e);
QString eventSubject(const sim::Event& e);

// Edits of a loaded scenario's events. Event indices (the 1-based position
// checks refer to, e.g. `refused: {event: 3}`) never change: added events
// get the next free index, removed ones leave a gap.
namespace edits {
int add(sim::Scenario& scenario, Instant at, sim::Action action);
bool move(sim::Scenario& scenario, int index, Instant at);
bool remove(sim::Scenario& scenario, int index);
}  // namespace edits

// The scenario's events in time order.
class ScenarioEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Index, Time, Action, Subject, ColumnCount };
    static constexpr int IndexRole = Qt::UserRole + 1;   // the event's index
    using QAbstractTableModel::QAbstractTableModel;
    void setEvents(const std::vector<sim::Event>& events);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<sim::Event> events_;
};

// What a run came to, in figures an operator compares.
struct RunFigures {
    int checksPassed = 0, checks = 0;
    long instanceStarts = 0, moves = 0, restarts = 0, placementFailures = 0, refusedEvents = 0, stopped = 0;
    int quorumLosses = 0;
    long offlineNodeMinutes = 0;   // sum over nodes of time offline
};
RunFigures figuresOf(const sim::RunReport& report);

// The previous run and the current one, side by side: one row per figure.
class CompareModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Figure, Before, After, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setRuns(std::optional<RunFigures> before, const RunFigures& after);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    // Rows whose figure differs between the two runs.
    int differences() const;

private:
    std::optional<RunFigures> before_;
    RunFigures after_;
};

}  // namespace kontena::gui
