#pragma once
// kontena-admin's live mode: one grid of a running master, as the CLI's
// ~/.kontena/config.json names it. Polls the REST API (asynchronously,
// every 2 s) into the live models; actions (drain/activate a node, scale,
// deploy, restart, stop a service, remove a stack) ask for confirmation
// first; a service's logs with a filter; "what if" rehearses the selected
// nodes going offline in the simulator and opens the result in the offline
// views. Logic is in the models (gui/models/live.*) and the master.

#include <QMainWindow>
#include <QTimer>

#include <functional>
#include <optional>

#include "api/paths.h"
#include "client/client.h"
#include "gui/models/live.h"
#include "gui/stats_charts.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;

namespace kontena::gui {

class LiveWindow : public QMainWindow {
    Q_OBJECT
public:
    LiveWindow(const client::MasterEntry& master, const QString& grid, QWidget* parent = nullptr);

    // Fetches grid, nodes, services and stacks (and the selected service's logs) now.
    void refresh();

    // Actions on the selection; each asks `confirm` first.
    void drainSelectedNode();
    void activateSelectedNode();
    void scaleSelectedService();
    void deploySelectedService();
    void restartSelectedService();
    void stopSelectedService();
    void removeSelectedStack();
    // Fetches the grid's state and rehearses the selected nodes going
    // offline for 10 minutes; emits rehearse() with the scenario file.
    void whatIfSelectedNodesOffline();

    bool selectNode(const QString& name);
    bool selectService(const QString& id);   // "grid/stack/name"; "": none
    bool selectStack(const QString& name);

    // Hooks (tests answer without a dialog).
    std::function<bool(const QString& question)> confirm;
    std::function<std::optional<int>(int current)> askInstances;

    LiveNodeModel& nodeModel() { return nodes_; }
    LiveServiceModel& serviceModel() { return services_; }
    LiveStackModel& stackModel() { return stacks_; }
    QString lastMessage() const;        // the last action's outcome or error
    QString gridSummary() const;
    QString logText() const;
    void setLogFilter(const QString& filter);
    int completedPolls() const { return polls_; }
    // CPU and memory charts of the selected service (else the selected node).
    StatsCharts& charts() { return *charts_; }

signals:
    void rehearse(const QString& scenarioFile);
    void actionFinished(bool ok);

private:
    QString selectedKey(QTableView* view) const;
    QStringList selectedKeys(QTableView* view) const;
    // Sends a call once the user confirmed `question`; says `done` or the master's error.
    using Send = std::function<void(client::AsyncApiClient::Callback)>;
    void act(const QString& question, const Send& send, const QString& done);
    // POSTs `body` to `path` of service `id` (grid/stack/name) once confirmed.
    void serviceAction(const QString& id, const QString& question, QString (*path)(const api::ServiceRef&), const QJsonObject& body,
                       const QString& done);
    void setAvailability(const QString& availability, const QString& question, const QString& done);
    void say(const QString& text, bool error);
    void showLogs();
    void refreshStats();

    client::AsyncApiClient api_;
    QString grid_;
    LiveNodeModel nodes_;
    LiveServiceModel services_;
    LiveStackModel stacks_;
    QTableView* nodeView_ = nullptr;
    QTableView* serviceView_ = nullptr;
    QTableView* stackView_ = nullptr;
    QLabel* summary_ = nullptr;
    QLabel* message_ = nullptr;
    QPlainTextEdit* logs_ = nullptr;
    QLineEdit* filter_ = nullptr;
    StatsCharts* charts_ = nullptr;
    QList<api::ContainerLogEntry> lastLogs_;
    QTimer poll_;
    int polls_ = 0;
    int inFlight_ = 0;
};

}  // namespace kontena::gui
