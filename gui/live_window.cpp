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
#include <QUrl>
#include <QVBoxLayout>

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

QString enc(const QString& s) { return QString::fromLatin1(QUrl::toPercentEncoding(s)); }

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
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(bottom);

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
    const QString g = enc(grid_);
    inFlight_ = 4;
    auto landed = [this] {
        if (--inFlight_ == 0) ++polls_;
    };
    api_.get(QStringLiteral("/v1/grids/") + g, [this, landed](const client::ApiResult& r) {
        if (r.ok()) {
            const QJsonObject o = r.object();
            const QJsonObject etcd = o.value(QStringLiteral("etcd")).toObject();
            summary_->setText(QStringLiteral("Grid <b>%1</b>: %2 nodes, %3 services, %4 containers · initial size %5 · etcd: %6")
                                  .arg(o.value(QStringLiteral("name")).toString())
                                  .arg(o.value(QStringLiteral("node_count")).toInt())
                                  .arg(o.value(QStringLiteral("service_count")).toInt())
                                  .arg(o.value(QStringLiteral("container_count")).toInt())
                                  .arg(o.value(QStringLiteral("initial_size")).toInt())
                                  .arg(etcd.value(QStringLiteral("quorum")).toBool() ? etcd.value(QStringLiteral("summary")).toString()
                                                                                      : QStringLiteral("<b>no quorum</b> (") +
                                                                                            etcd.value(QStringLiteral("summary")).toString() + QLatin1Char(')')));
        } else {
            summary_->setText(QStringLiteral("Grid %1: %2").arg(grid_, r.error->message));
        }
        landed();
    });
    api_.get(QStringLiteral("/v1/grids/%1/nodes").arg(g), [this, landed](const client::ApiResult& r) {
        if (r.ok()) nodes_.setRows(r.object().value(QStringLiteral("nodes")).toArray());
        landed();
    });
    api_.get(QStringLiteral("/v1/grids/%1/services").arg(g), [this, landed](const client::ApiResult& r) {
        if (r.ok()) services_.setRows(r.object().value(QStringLiteral("services")).toArray());
        landed();
    });
    api_.get(QStringLiteral("/v1/grids/%1/stacks").arg(g), [this, landed](const client::ApiResult& r) {
        if (r.ok()) stacks_.setRows(r.object().value(QStringLiteral("stacks")).toArray());
        landed();
    });
    const QString service = selectedKey(serviceView_);
    if (!service.isEmpty()) {
        api_.get(QStringLiteral("/v1/services/%1/container_logs?limit=500").arg(service), [this, service](const client::ApiResult& r) {
            if (r.ok() && selectedKey(serviceView_) == service) {
                lastLogs_ = r.object().value(QStringLiteral("logs")).toArray();
                showLogs();
            }
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
    for (const QModelIndex& i : view->selectionModel()->selectedRows()) out << i.data(JsonTableModel::KeyRole).toString();
    return out;
}

bool LiveWindow::selectNode(const QString& name) {
    const int row = nodes_.rowOf(name);
    if (row < 0) return false;
    nodeView_->selectRow(row);
    return true;
}

bool LiveWindow::selectService(const QString& id) {
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

void LiveWindow::act(const QString& question, const QByteArray& verb, const QString& path, const QJsonObject& body, const QString& done) {
    if (confirm && !confirm(question)) {
        say(QStringLiteral("Cancelled."), false);
        return;
    }
    auto finished = [this, done](const client::ApiResult& r) {
        if (r.ok()) say(done, false);
        else say(QStringLiteral("%1 (HTTP %2)").arg(r.error->message).arg(r.error->status), true);
        emit actionFinished(r.ok());
        refresh();
    };
    if (verb == "PUT") api_.put(path, body, finished);
    else if (verb == "DELETE") api_.del(path, finished);
    else api_.post(path, body, finished);
}

void LiveWindow::drainSelectedNode() {
    const QString node = selectedKey(nodeView_);
    if (node.isEmpty()) return say(QStringLiteral("Select a node first."), true);
    act(QStringLiteral("Drain node %1? Its instances move to other nodes; stateful instances stop.").arg(node), "PUT",
        QStringLiteral("/v1/nodes/%1/%2").arg(enc(grid_), enc(node)), QJsonObject{{QStringLiteral("availability"), QStringLiteral("drain")}},
        QStringLiteral("Node %1 drained.").arg(node));
}

void LiveWindow::activateSelectedNode() {
    const QString node = selectedKey(nodeView_);
    if (node.isEmpty()) return say(QStringLiteral("Select a node first."), true);
    act(QStringLiteral("Activate node %1?").arg(node), "PUT", QStringLiteral("/v1/nodes/%1/%2").arg(enc(grid_), enc(node)),
        QJsonObject{{QStringLiteral("availability"), QStringLiteral("active")}}, QStringLiteral("Node %1 active.").arg(node));
}

void LiveWindow::scaleSelectedService() {
    const QString id = selectedKey(serviceView_);
    if (id.isEmpty()) return say(QStringLiteral("Select a service first."), true);
    const int row = services_.rowOf(id);
    const int current = row >= 0 ? services_.row(row).value(QStringLiteral("instances")).toInt() : 1;
    const std::optional<int> n = askInstances ? askInstances(current) : std::nullopt;
    if (!n) return;
    act(QStringLiteral("Scale %1 from %2 to %3 instances?").arg(id).arg(current).arg(*n), "POST", QStringLiteral("/v1/services/%1/scale").arg(id),
        QJsonObject{{QStringLiteral("instances"), *n}}, QStringLiteral("Scaling %1 to %2 instances.").arg(id).arg(*n));
}

void LiveWindow::deploySelectedService() {
    const QString id = selectedKey(serviceView_);
    if (id.isEmpty()) return say(QStringLiteral("Select a service first."), true);
    act(QStringLiteral("Deploy %1?").arg(id), "POST", QStringLiteral("/v1/services/%1/deploy").arg(id), {}, QStringLiteral("Deploying %1.").arg(id));
}

void LiveWindow::restartSelectedService() {
    const QString id = selectedKey(serviceView_);
    if (id.isEmpty()) return say(QStringLiteral("Select a service first."), true);
    act(QStringLiteral("Restart every instance of %1?").arg(id), "POST", QStringLiteral("/v1/services/%1/restart").arg(id), {},
        QStringLiteral("Restarting %1.").arg(id));
}

void LiveWindow::stopSelectedService() {
    const QString id = selectedKey(serviceView_);
    if (id.isEmpty()) return say(QStringLiteral("Select a service first."), true);
    act(QStringLiteral("Stop every instance of %1?").arg(id), "POST", QStringLiteral("/v1/services/%1/stop").arg(id), {},
        QStringLiteral("Stopping %1.").arg(id));
}

void LiveWindow::removeSelectedStack() {
    const QString stack = selectedKey(stackView_);
    if (stack.isEmpty()) return say(QStringLiteral("Select a stack first."), true);
    act(QStringLiteral("Remove stack %1 and all its services? This cannot be undone.").arg(stack), "DELETE",
        QStringLiteral("/v1/stacks/%1/%2").arg(enc(grid_), enc(stack)), {}, QStringLiteral("Stack %1 removed.").arg(stack));
}

void LiveWindow::whatIfSelectedNodesOffline() {
    const QStringList nodes = selectedKeys(nodeView_);
    if (nodes.isEmpty()) return say(QStringLiteral("Select the nodes to take offline first."), true);
    api_.get(QStringLiteral("/v1/grids/%1/state").arg(enc(grid_)), [this, nodes](const client::ApiResult& r) {
        if (!r.ok()) return say(QStringLiteral("Cannot read the grid's state: %1").arg(r.error->message), true);
        sim::WhatIf w;
        for (const QString& n : nodes) w.offline.push_back(n.toStdString());
        w.outage = Duration::minutes(10);
        const auto scenario = sim::whatIfScenario(QJsonDocument(r.object()).toJson(QJsonDocument::Compact).toStdString(), w);
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
