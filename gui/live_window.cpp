#include "gui/live_window.h"

#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryFile>
#include <QToolBar>
#include <QVBoxLayout>

#include "api/grid.h"
#include "gui/widgets.h"
#include "simulator/engine/what_if.h"

namespace kontena::gui {

namespace {

QWidget* titled(const QString& title, QWidget* body) {
    auto* box = new QWidget;
    auto* l = new QVBoxLayout(box);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(title)));
    l->addWidget(body);
    return box;
}

}  // namespace

LiveWindow::LiveWindow(const client::MasterEntry& master, const QString& grid, QWidget* parent)
    : QMainWindow(parent), api_(master.url, master.token), grid_(grid) {
    setWindowTitle(QStringLiteral("kontena-admin — %1 / %2").arg(master.name, grid));
    confirm = [this](const QString& q) {
        return QMessageBox::question(this, QStringLiteral("Confirm"), q) == QMessageBox::Yes;
    };
    askInstances = [this](int current) -> std::optional<int> {
        bool ok = false;
        const int n = QInputDialog::getInt(this, QStringLiteral("Scale"), QStringLiteral("Instances"), current, 0, 1000, 1, &ok);
        return ok ? std::optional<int>(n) : std::nullopt;
    };

    auto* bar = addToolBar(QStringLiteral("Live"));
    bar->addAction(QStringLiteral("Refresh"), this, &LiveWindow::refresh);
    bar->addSeparator();
    bar->addAction(QStringLiteral("Drain node"), this, &LiveWindow::drainSelectedNode);
    bar->addAction(QStringLiteral("Activate node"), this, &LiveWindow::activateSelectedNode);
    bar->addAction(QStringLiteral("What if offline…"), this, &LiveWindow::whatIfSelectedNodesOffline);
    bar->addSeparator();
    bar->addAction(QStringLiteral("Scale…"), this, &LiveWindow::scaleSelectedService);
    bar->addAction(QStringLiteral("Deploy"), this, &LiveWindow::deploySelectedService);
    bar->addAction(QStringLiteral("Restart"), this, &LiveWindow::restartSelectedService);
    bar->addAction(QStringLiteral("Stop"), this, &LiveWindow::stopSelectedService);
    bar->addSeparator();
    bar->addAction(QStringLiteral("Remove stack"), this, &LiveWindow::removeSelectedStack);

    summary_ = new QLabel;
    message_ = new QLabel;
    message_->setWordWrap(true);
    nodeView_ = tableView(&nodes_);
    serviceView_ = tableView(&services_);
    stackView_ = tableView(&stacks_);
    logs_ = new QPlainTextEdit;
    logs_->setReadOnly(true);
    logs_->setMaximumBlockCount(5000);
    filter_ = new QLineEdit;
    filter_->setPlaceholderText(QStringLiteral("filter the selected service's logs"));
    connect(filter_, &QLineEdit::textChanged, this, [this] { showLogs(); });
    connect(serviceView_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        lastLogs_ = {};
        showLogs();
        refresh();
    });

    auto* logBox = new QWidget;
    auto* logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->addWidget(filter_);
    logLayout->addWidget(logs_);

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(titled(QStringLiteral("Nodes"), nodeView_));
    top->addWidget(titled(QStringLiteral("Stacks"), stackView_));
    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(titled(QStringLiteral("Services"), serviceView_));
    bottom->addWidget(titled(QStringLiteral("Logs"), logBox));
    charts_ = new StatsCharts;
    connect(nodeView_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { refreshStats(); });
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(bottom);
    split->addWidget(titled(QStringLiteral("Statistics"), charts_));

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(summary_);
    layout->addWidget(split, 1);
    layout->addWidget(message_);
    setCentralWidget(central);
    resize(1200, 760);

    poll_.setInterval(2000);
    connect(&poll_, &QTimer::timeout, this, &LiveWindow::refresh);
    poll_.start();
    refresh();
}

void LiveWindow::refresh() {
    if (inFlight_ > 0) return;   // the previous poll is still out: no pile-up on a slow master
    inFlight_ = 4;
    auto landed = [this] {
        if (--inFlight_ == 0) ++polls_;
    };
    api_.get<api::Grid>(api::paths::grid(grid_), [this, landed](const client::Typed<api::Grid>& r) {
        if (r.ok()) {
            const api::Grid& g = r.value;
            summary_->setText(QStringLiteral("Grid <b>%1</b>: %2 nodes, %3 services, %4 containers · initial size %5 · etcd: %6")
                                  .arg(g.name)
                                  .arg(g.nodeCount)
                                  .arg(g.serviceCount)
                                  .arg(g.containerCount)
                                  .arg(g.initialSize)
                                  .arg(g.etcd.quorum ? g.etcd.summary : QStringLiteral("<b>no quorum</b> (") + g.etcd.summary + QLatin1Char(')')));
        } else {
            summary_->setText(QStringLiteral("Grid %1: %2").arg(grid_, r.error->message));
        }
        landed();
    });
    api_.get<api::NodeList>(api::paths::gridNodes(grid_), [this, landed](const client::Typed<api::NodeList>& r) {
        if (r.ok()) nodes_.setRows(r.value.nodes);
        landed();
    });
    api_.get<api::ServiceList>(api::paths::gridServices(grid_), [this, landed](const client::Typed<api::ServiceList>& r) {
        if (r.ok()) services_.setRows(r.value.services);
        landed();
    });
    api_.get<api::StackList>(api::paths::gridStacks(grid_), [this, landed](const client::Typed<api::StackList>& r) {
        if (r.ok()) stacks_.setRows(r.value.stacks);
        landed();
    });
    refreshStats();
    const QString service = selectedKey(serviceView_);
    if (const auto ref = api::ServiceRef::fromId(service)) {
        api_.get<api::ContainerLog>(api::paths::serviceContainerLogs(*ref, 500), [this, service](const client::Typed<api::ContainerLog>& r) {
            if (r.ok() && selectedKey(serviceView_) == service) {
                lastLogs_ = r.value.logs;
                showLogs();
            }
        });
    }
}

// The selected service's containers, else the selected node: the last hour.
void LiveWindow::refreshStats() {
    const QString service = selectedKey(serviceView_), node = selectedKey(nodeView_);
    if (const auto ref = api::ServiceRef::fromId(service)) {
        api_.get<api::ServiceStats>(api::paths::serviceStats(*ref, QStringLiteral("since=1h")), [this, service](const client::Typed<api::ServiceStats>& r) {
            if (selectedKey(serviceView_) != service) return;   // a stale answer
            if (r.ok()) charts_->showService(api::ServiceRef::fromId(service)->stackAndName(), r.value.stats);
            else charts_->clear(r.error->message);
        });
    } else if (!node.isEmpty()) {
        api_.get<api::NodeStats>(api::paths::nodeStats(grid_, node, QStringLiteral("since=1h")), [this, node](const client::Typed<api::NodeStats>& r) {
            if (!selectedKey(serviceView_).isEmpty() || selectedKey(nodeView_) != node) return;
            if (r.ok()) charts_->showNode(r.value);
            else charts_->clear(r.error->message);
        });
    }
}

void LiveWindow::showLogs() {
    const QString text = formatLogLines(lastLogs_, filter_->text());
    if (text != logs_->toPlainText()) logs_->setPlainText(text);
}

QString LiveWindow::selectedKey(QTableView* view) const {
    const QStringList keys = selectedKeys(view);
    return keys.isEmpty() ? QString() : keys.first();
}

QStringList LiveWindow::selectedKeys(QTableView* view) const {
    QStringList out;
    for (const QModelIndex& i : view->selectionModel()->selectedRows()) out << i.data(LiveTableModel::KeyRole).toString();
    return out;
}

bool LiveWindow::selectNode(const QString& name) {
    const int row = nodes_.rowOf(name);
    if (row < 0) return false;
    nodeView_->selectRow(row);
    return true;
}

bool LiveWindow::selectService(const QString& id) {
    if (id.isEmpty()) {
        serviceView_->clearSelection();
        return true;
    }
    const int row = services_.rowOf(id);
    if (row < 0) return false;
    serviceView_->selectRow(row);
    return true;
}

bool LiveWindow::selectStack(const QString& name) {
    const int row = stacks_.rowOf(name);
    if (row < 0) return false;
    stackView_->selectRow(row);
    return true;
}

void LiveWindow::say(const QString& text, bool error) {
    message_->setText(error ? QStringLiteral("<span style='color:#b00020'>%1</span>").arg(text.toHtmlEscaped()) : text.toHtmlEscaped());
    message_->setProperty("plain", text);
}

QString LiveWindow::lastMessage() const { return message_->property("plain").toString(); }
QString LiveWindow::gridSummary() const { return summary_->text(); }
QString LiveWindow::logText() const { return logs_->toPlainText(); }
void LiveWindow::setLogFilter(const QString& filter) { filter_->setText(filter); }

void LiveWindow::act(const QString& question, const Send& send, const QString& done) {
    if (confirm && !confirm(question)) {
        say(QStringLiteral("Cancelled."), false);
        return;
    }
    send([this, done](const client::ApiResult& r) {
        if (r.ok()) say(done, false);
        else say(QStringLiteral("%1 (HTTP %2)").arg(r.error->message).arg(r.error->status), true);
        emit actionFinished(r.ok());
        refresh();
    });
}

void LiveWindow::setAvailability(const QString& availability, const QString& question, const QString& done) {
    const QString node = selectedKey(nodeView_);
    if (node.isEmpty()) return say(QStringLiteral("Select a node first."), true);
    api::NodeUpdate update;
    update.availability = availability;
    const QString path = api::paths::node(grid_, node);
    act(question.arg(node), [this, path, update](client::AsyncApiClient::Callback cb) { api_.put(path, update.toJson(), std::move(cb)); },
        done.arg(node));
}

void LiveWindow::drainSelectedNode() {
    setAvailability(QStringLiteral("drain"), QStringLiteral("Drain node %1? Its instances move to other nodes; stateful instances stop."),
                    QStringLiteral("Node %1 drained."));
}

void LiveWindow::activateSelectedNode() {
    setAvailability(QStringLiteral("active"), QStringLiteral("Activate node %1?"), QStringLiteral("Node %1 active."));
}

void LiveWindow::serviceAction(const QString& id, const QString& question, QString (*path)(const api::ServiceRef&), const QJsonObject& body,
                               const QString& done) {
    const auto ref = api::ServiceRef::fromId(id);
    if (!ref) return say(QStringLiteral("Select a service first."), true);
    const QString target = path(*ref);
    act(question, [this, target, body](client::AsyncApiClient::Callback cb) { api_.post(target, body, std::move(cb)); }, done);
}

void LiveWindow::scaleSelectedService() {
    const QString id = selectedKey(serviceView_);
    if (id.isEmpty()) return say(QStringLiteral("Select a service first."), true);
    const int row = services_.rowOf(id);
    const int current = row >= 0 ? services_.row(row).instances : 1;
    const std::optional<int> n = askInstances ? askInstances(current) : std::nullopt;
    if (!n) return;
    api::ScaleRequest scale;
    scale.instances = *n;
    serviceAction(id, QStringLiteral("Scale %1 from %2 to %3 instances?").arg(id).arg(current).arg(*n), api::paths::serviceScale, scale.toJson(),
                  QStringLiteral("Scaling %1 to %2 instances.").arg(id).arg(*n));
}

void LiveWindow::deploySelectedService() {
    const QString id = selectedKey(serviceView_);
    serviceAction(id, QStringLiteral("Deploy %1?").arg(id), api::paths::serviceDeploy, api::DeployRequest{}.toJson(),
                  QStringLiteral("Deploying %1.").arg(id));
}

void LiveWindow::restartSelectedService() {
    const QString id = selectedKey(serviceView_);
    serviceAction(id, QStringLiteral("Restart every instance of %1?").arg(id), api::paths::serviceRestart, api::DeployRequest{}.toJson(),
                  QStringLiteral("Restarting %1.").arg(id));
}

void LiveWindow::stopSelectedService() {
    const QString id = selectedKey(serviceView_);
    serviceAction(id, QStringLiteral("Stop every instance of %1?").arg(id), api::paths::serviceStop, api::DeployRequest{}.toJson(),
                  QStringLiteral("Stopping %1.").arg(id));
}

void LiveWindow::removeSelectedStack() {
    const QString stack = selectedKey(stackView_);
    if (stack.isEmpty()) return say(QStringLiteral("Select a stack first."), true);
    const QString path = api::paths::stack(grid_, stack);
    act(QStringLiteral("Remove stack %1 and all its services? This cannot be undone.").arg(stack),
        [this, path](client::AsyncApiClient::Callback cb) { api_.del(path, std::move(cb)); }, QStringLiteral("Stack %1 removed.").arg(stack));
}

void LiveWindow::whatIfSelectedNodesOffline() {
    const QStringList nodes = selectedKeys(nodeView_);
    if (nodes.isEmpty()) return say(QStringLiteral("Select the nodes to take offline first."), true);
    api_.get<api::GridState>(api::paths::gridState(grid_), [this, nodes](const client::Typed<api::GridState>& r) {
        if (!r.ok()) return say(QStringLiteral("Cannot read the grid's state: %1").arg(r.error->message), true);
        sim::WhatIf w;
        for (const QString& n : nodes) w.offline.push_back(n.toStdString());
        w.outage = Duration::minutes(10);
        const auto scenario = sim::whatIfScenario(QJsonDocument(r.value.toJson()).toJson(QJsonDocument::Compact).toStdString(), w);
        if (!scenario) return say(QStringLiteral("Cannot rehearse: %1").arg(QString::fromStdString(scenario.error().message)), true);
        const QString path = QDir::temp().filePath(QStringLiteral("kontena-what-if-%1.yaml").arg(grid_));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return say(QStringLiteral("Cannot write %1").arg(path), true);
        f.write(QByteArray::fromStdString(scenario.value()));
        f.close();
        say(QStringLiteral("Rehearsing %1 offline for 10 minutes: %2").arg(nodes.join(QStringLiteral(", ")), path), false);
        emit rehearse(path);
    });
}

}  // namespace kontena::gui
