#pragma once
// kontena-admin's window, offline mode: open a scenario, run it in the
// simulator, see the timeline (the same drawing as kontena-sim), the checks,
// what happened, and the grid at any instant of the run. Logic lives in the
// models (gui/models/); this only wires widgets to them.

#include <QMainWindow>

#include <memory>

#include "gui/models/edits.h"
#include "gui/models/real_run.h"
#include "gui/models/rehearsal.h"
#include "gui/models/tables.h"

class QLabel;
class QListWidget;
class QSlider;
class QSpinBox;
class QTableView;

namespace kontena::gui {

class TimelineView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow();
    ~MainWindow() override;

    // Opens the live view of a grid (master: a name in ~/.kontena/config.json,
    // empty for the current one; grid: empty for the master's current grid).
    // Its "what if" rehearsals open here. nullptr with a message on failure.
    class LiveWindow* openLive(const QString& master, const QString& grid, QString* error);

    // Loads and runs a scenario file; false with a FILE:LINE:COLUMN message.
    bool openScenario(const QString& path, QString* error);
    // Opens a real run's report (kontena-fidelity --reports) beside the
    // simulated run: its scenario is opened too when its file is there.
    bool openRealRun(const QString& path, QString* error);
    RealRunModel& realRunModel() { return realRun_; }
    class QDockWidget* realRunDock() const { return realDock_; }
    void rerun(std::uint64_t seed);
    void setTime(Instant t);
    Instant time() const;

    const Rehearsal* rehearsal() const { return rehearsal_.get(); }
    const sim::Scenario& scenario() const { return scenario_; }

    // Editing what happens (in memory; the file is not changed). Each edit
    // runs the scenario again with the same seed and keeps the previous
    // run's figures and timeline for comparison. Add returns the new
    // event's index; 0 without a scenario.
    int addEvent(Instant at, sim::Action action);
    bool moveEvent(int index, Instant at);
    bool removeEvent(int index);
    // The node selected in the grid table, empty if none.
    QString selectedNode() const;
    ScenarioEventModel& scenarioEventModel() { return scenarioEvents_; }
    CompareModel& compareModel() { return compare_; }
    NodeModel& nodeModel() { return nodes_; }
    CheckModel& checkModel() { return checks_; }
    EventModel& eventModel() { return events_; }
    QSlider* slider() const { return slider_; }
    QListWidget* pendingList() const { return pending_; }
    QLabel* quorumLabel() const { return quorum_; }

private:
    void openDialog();
    void showRehearsal();
    void stepEvent(int direction);
    void edited();   // re-run after an edit, keeping the previous run to compare
    QTableView* editPanel(QWidget** box);

    sim::Scenario scenario_;
    std::unique_ptr<Rehearsal> rehearsal_;
    NodeModel nodes_;
    CheckModel checks_;
    EventModel events_;
    ScenarioEventModel scenarioEvents_;
    CompareModel compare_;
    RealRunModel realRun_;
    class QDockWidget* realDock_ = nullptr;
    QLabel* realSummary_ = nullptr;
    TimelineView* realPicture_ = nullptr;
    TimelineView* timeline_ = nullptr;
    TimelineView* previousTimeline_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* timeLabel_ = nullptr;
    QLabel* quorum_ = nullptr;
    QLabel* summary_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QListWidget* pending_ = nullptr;
    QTableView* nodeView_ = nullptr;
    QTableView* checkView_ = nullptr;
    QTableView* eventView_ = nullptr;
    QTableView* scenarioEventView_ = nullptr;
    QLabel* compareNote_ = nullptr;
};

}  // namespace kontena::gui
