#include "gui/main_window.h"

#include "gui/live_window.h"
#include "gui/timeline_view.h"
#include "gui/widgets.h"

#include <QAction>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QDockWidget>
#include <QFile>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace kontena::gui {

MainWindow::MainWindow() {
    setWindowTitle(QStringLiteral("kontena-admin"));
    auto* bar = addToolBar(QStringLiteral("Scenario"));
    bar->addAction(QStringLiteral("Open scenario…"), this, &MainWindow::openDialog);
    bar->addAction(QStringLiteral("Live grid…"), this, [this] {
        QString error;
        if (auto* live = openLive(QString(), QString(), &error)) live->show();
        else QMessageBox::warning(this, QStringLiteral("Live grid"), error);
    });
    bar->addAction(QStringLiteral("Open real run…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open a real run's report"), QString(), QStringLiteral("Reports (*.json)"));
        QString error;
        if (!path.isEmpty() && !openRealRun(path, &error)) QMessageBox::warning(this, QStringLiteral("Cannot open the real run"), error);
    });
    bar->addSeparator();
    bar->addWidget(new QLabel(QStringLiteral(" Seed ")));
    seed_ = new QSpinBox;
    seed_->setRange(0, 1'000'000);
    bar->addWidget(seed_);
    bar->addAction(QStringLiteral("Run again"), this, [this] { rerun(static_cast<std::uint64_t>(seed_->value())); });

    timeline_ = new TimelineView;
    auto* scroll = new QScrollArea;
    scroll->setWidget(timeline_);
    scroll->setWidgetResizable(false);
    scroll->setMinimumHeight(220);

    slider_ = new QSlider(Qt::Horizontal);
    slider_->setSingleStep(1000);
    slider_->setPageStep(60'000);
    connect(slider_, &QSlider::valueChanged, this, [this](int v) { setTime(Instant(v)); });
    auto* prev = new QPushButton(QStringLiteral("◀ event"));
    auto* next = new QPushButton(QStringLiteral("event ▶"));
    connect(prev, &QPushButton::clicked, this, [this] { stepEvent(-1); });
    connect(next, &QPushButton::clicked, this, [this] { stepEvent(1); });
    timeLabel_ = new QLabel(QStringLiteral("0s"));
    timeLabel_->setMinimumWidth(90);
    auto* sliderRow = new QHBoxLayout;
    sliderRow->addWidget(prev);
    sliderRow->addWidget(slider_, 1);
    sliderRow->addWidget(next);
    sliderRow->addWidget(timeLabel_);

    nodeView_ = tableView(&nodes_);
    quorum_ = new QLabel;
    pending_ = new QListWidget;
    pending_->setMaximumHeight(90);
    auto* gridBox = new QWidget;
    auto* gridLayout = new QVBoxLayout(gridBox);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->addWidget(quorum_);
    gridLayout->addWidget(nodeView_, 1);
    gridLayout->addWidget(new QLabel(QStringLiteral("Pending instances and why")));
    gridLayout->addWidget(pending_);

    checkView_ = tableView(&checks_);
    eventView_ = tableView(&events_);
    auto jump = [this](QTableView* v, int role) {
        connect(v, &QTableView::clicked, this, [this, role](const QModelIndex& i) {
            const QVariant t = i.model()->index(i.row(), 0).data(role);
            if (t.isValid()) slider_->setValue(static_cast<int>(t.toLongLong()));
        });
    };
    jump(checkView_, CheckModel::TimeRole);
    jump(eventView_, EventModel::TimeRole);
    QWidget* editBox = nullptr;
    scenarioEventView_ = editPanel(&editBox);
    jump(scenarioEventView_, EventModel::TimeRole);

    previousTimeline_ = new TimelineView;
    auto* previousScroll = new QScrollArea;
    previousScroll->setWidget(previousTimeline_);
    previousScroll->setWidgetResizable(false);
    compareNote_ = new QLabel(QStringLiteral("Edit the events and the previous run shows here."));
    auto* compareBox = new QWidget;
    auto* compareLayout = new QVBoxLayout(compareBox);
    compareLayout->setContentsMargins(0, 0, 0, 0);
    compareLayout->addWidget(compareNote_);
    compareLayout->addWidget(tableView(&compare_));
    compareLayout->addWidget(new QLabel(QStringLiteral("Previous run (the current one is above)")));
    compareLayout->addWidget(previousScroll, 1);

    auto* tabs = new QTabWidget;
    tabs->addTab(checkView_, QStringLiteral("Checks"));
    tabs->addTab(eventView_, QStringLiteral("What happened"));
    tabs->addTab(editBox, QStringLiteral("Edit events"));
    tabs->addTab(compareBox, QStringLiteral("Compare"));

    auto* lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(gridBox);
    lower->addWidget(tabs);
    lower->setStretchFactor(0, 1);
    lower->setStretchFactor(1, 1);

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(scroll, 2);
    layout->addLayout(sliderRow);
    layout->addWidget(lower, 3);
    setCentralWidget(central);
    summary_ = new QLabel;
    statusBar()->addWidget(summary_, 1);
    resize(1280, 860);
}

MainWindow::~MainWindow() = default;

void MainWindow::openDialog() {
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open a scenario"), QString(), QStringLiteral("Scenarios (*.yaml *.yml)"));
    if (path.isEmpty()) return;
    QString error;
    if (!openScenario(path, &error)) QMessageBox::warning(this, QStringLiteral("Cannot open the scenario"), error);
}

bool MainWindow::openRealRun(const QString& path, QString* error) {
    const auto report = loadRealRunReport(path, error);
    if (!report) return false;
    if (QFile::exists(report->file) && !openScenario(report->file, error)) return false;
    if (!realDock_) {
        realDock_ = new QDockWidget(QStringLiteral("Real run"), this);
        realDock_->setObjectName(QStringLiteral("realRun"));
        auto* box = new QWidget;
        auto* layout = new QVBoxLayout(box);
        realSummary_ = new QLabel;
        realSummary_->setWordWrap(true);
        realPicture_ = new TimelineView;
        auto* scroll = new QScrollArea;
        scroll->setWidget(realPicture_);
        scroll->setMinimumHeight(200);
        auto* table = new QTableView;
        table->setModel(&realRun_);
        table->horizontalHeader()->setStretchLastSection(true);
        layout->addWidget(realSummary_);
        layout->addWidget(scroll, 2);
        layout->addWidget(table, 1);
        realDock_->setWidget(box);
        addDockWidget(Qt::BottomDockWidgetArea, realDock_);
    }
    realRun_.setReport(*report);
    realPicture_->load(report->picture.toUtf8());
    realPicture_->resize(realPicture_->sizeHint());
    realSummary_->setText(QStringLiteral("%1 on real hosts at %2 × Kontena's timings (times below are scaled): %3")
                              .arg(report->scenario)
                              .arg(report->timeScale)
                              .arg(report->agreed ? QStringLiteral("agreed with the simulator")
                                                  : QStringLiteral("disagreed: ") + report->differences.join(QStringLiteral("; "))));
    realDock_->show();
    return true;
}

bool MainWindow::openScenario(const QString& path, QString* error) {
    auto loaded = sim::loadScenarioFile(path.toStdString());
    if (!loaded) {
        QStringList lines;
        for (const auto& d : loaded.error()) lines << QString::fromStdString(sim::formatDiagnostic(d));
        *error = lines.join(u'\n');
        return false;
    }
    scenario_ = std::move(loaded).value();
    seed_->setValue(static_cast<int>(scenario_.seed));
    rerun(scenario_.seed);
    compare_.setRuns(std::nullopt, figuresOf(rehearsal_->report()));
    previousTimeline_->load(QByteArray());
    compareNote_->setText(QStringLiteral("Edit the events and the previous run shows here."));
    setWindowTitle(QStringLiteral("kontena-admin — ") + QString::fromStdString(scenario_.name));
    return true;
}

void MainWindow::rerun(std::uint64_t seed) {
    if (scenario_.name.empty()) return;
    rehearsal_ = std::make_unique<Rehearsal>(Rehearsal::run(scenario_, seed));
    showRehearsal();
}

void MainWindow::showRehearsal() {
    const Rehearsal& r = *rehearsal_;
    timeline_->load(QByteArray::fromStdString(r.svg()));
    scenarioEvents_.setEvents(scenario_.events);
    checks_.setChecks(r.report().checks);
    events_.setEntries(r.report().timeline);
    slider_->setRange(0, static_cast<int>(r.end().ms));
    int passed = 0;
    for (const auto& c : r.report().checks) passed += c.passed ? 1 : 0;
    summary_->setText(QStringLiteral("%1 (seed %2): %3, %4 of %5 checks hold; %6 moves, %7 restarts")
                          .arg(QString::fromStdString(r.report().scenario))
                          .arg(r.report().seed)
                          .arg(r.report().passed ? QStringLiteral("PASSED") : QStringLiteral("FAILED"))
                          .arg(passed)
                          .arg(r.report().checks.size())
                          .arg(r.report().stats.instancesMoved)
                          .arg(r.report().stats.restarts));
    setTime(Instant(std::min<std::int64_t>(slider_->value(), r.end().ms)));
}

Instant MainWindow::time() const { return Instant(slider_->value()); }

void MainWindow::setTime(Instant t) {
    if (!rehearsal_) return;
    if (slider_->value() != t.ms) {
        slider_->setValue(static_cast<int>(t.ms));   // calls back here
        return;
    }
    const Frame& f = rehearsal_->frameAt(t);
    nodes_.setFrame(f);
    timeLabel_->setText(formatTime(t));
    quorum_->setText((f.quorum ? QStringLiteral("etcd quorum: yes — ") : QStringLiteral("etcd quorum: NO — ")) + f.quorumSummary);
    pending_->clear();
    for (const auto& p : f.pending) pending_->addItem(p.instance + QStringLiteral(": ") + p.why);
}

void MainWindow::stepEvent(int direction) {
    if (!rehearsal_) return;
    const auto times = rehearsal_->eventTimes();
    const Instant now = time();
    if (direction > 0) {
        auto it = std::upper_bound(times.begin(), times.end(), now);
        if (it != times.end()) setTime(*it);
    } else {
        auto it = std::lower_bound(times.begin(), times.end(), now);
        if (it != times.begin()) setTime(*std::prev(it));
    }
}

LiveWindow* MainWindow::openLive(const QString& masterName, const QString& grid, QString* error) {
    client::Config config;
    QString why;
    if (!config.load(&why)) {
        *error = why;
        return nullptr;
    }
    client::MasterEntry* m = masterName.isEmpty() ? config.currentMaster() : config.find(masterName);
    if (!m || m->token.isEmpty()) {
        *error = masterName.isEmpty() ? QStringLiteral("not logged in to a master: run `kontena master login` first")
                                      : QStringLiteral("no master named %1 in %2").arg(masterName, client::Config::path());
        return nullptr;
    }
    const QString g = grid.isEmpty() ? m->grid : grid;
    if (g.isEmpty()) {
        *error = QStringLiteral("no grid chosen: pass --grid or run `kontena grid use GRID`");
        return nullptr;
    }
    auto* live = new LiveWindow(*m, g);
    live->setAttribute(Qt::WA_DeleteOnClose);
    connect(live, &LiveWindow::rehearse, this, [this](const QString& file) {
        QString why;
        if (!openScenario(file, &why)) QMessageBox::warning(this, QStringLiteral("What if"), why);
        show();
        raise();
    });
    return live;
}

QTableView* MainWindow::editPanel(QWidget** box) {
    auto* view = tableView(&scenarioEvents_);
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* buttons = new QHBoxLayout;
    auto nodeAction = [this](const QString& label, auto make) {
        auto* b = new QPushButton(label);
        connect(b, &QPushButton::clicked, this, [this, make] {
            const QString node = selectedNode();
            if (node.isEmpty()) {
                QMessageBox::information(this, QStringLiteral("Edit events"), QStringLiteral("Select a node in the grid table first."));
                return;
            }
            addEvent(time(), make(node.toStdString()));
        });
        return b;
    };
    buttons->addWidget(nodeAction(QStringLiteral("Disconnect node here"), [](std::string n) { return sim::Action{sim::NodeDisconnect{std::move(n)}}; }));
    buttons->addWidget(nodeAction(QStringLiteral("Reconnect node here"), [](std::string n) { return sim::Action{sim::NodeConnect{std::move(n)}}; }));
    buttons->addWidget(nodeAction(QStringLiteral("Unresponsive here"), [](std::string n) { return sim::Action{sim::NodeUnresponsive{std::move(n)}}; }));
    buttons->addWidget(nodeAction(QStringLiteral("Drain here"), [](std::string n) { return sim::Action{sim::NodeDrain{std::move(n)}}; }));
    auto* deploy = new QPushButton(QStringLiteral("Deploy stack here"));
    connect(deploy, &QPushButton::clicked, this, [this] {
        QStringList stacks;
        for (const auto& [name, s] : scenario_.stacks) stacks << QString::fromStdString(name);
        if (stacks.isEmpty()) return;
        bool ok = false;
        const QString stack = stacks.size() == 1 ? stacks.first()
                                                 : QInputDialog::getItem(this, QStringLiteral("Deploy"), QStringLiteral("Stack"), stacks, 0, false, &ok);
        if (stacks.size() > 1 && !ok) return;
        addEvent(time(), sim::Action{sim::Deploy{stack.toStdString()}});
    });
    buttons->addWidget(deploy);
    auto selectedIndex = [view] {
        const auto rows = view->selectionModel()->selectedRows();
        return rows.isEmpty() ? 0 : rows.first().data(ScenarioEventModel::IndexRole).toInt();
    };
    auto* move = new QPushButton(QStringLiteral("Move selected here"));
    connect(move, &QPushButton::clicked, this, [this, selectedIndex] {
        if (const int i = selectedIndex()) moveEvent(i, time());
    });
    auto* remove = new QPushButton(QStringLiteral("Delete selected"));
    connect(remove, &QPushButton::clicked, this, [this, selectedIndex] {
        if (const int i = selectedIndex()) removeEvent(i);
    });
    buttons->addWidget(move);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    layout->addWidget(new QLabel(QStringLiteral("Events happen at the slider's time; every edit runs the scenario again (see Compare).")));
    layout->addLayout(buttons);
    layout->addWidget(view, 1);
    *box = panel;
    return view;
}

QString MainWindow::selectedNode() const {
    const auto rows = nodeView_->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().siblingAtColumn(NodeModel::Name).data().toString();
}

int MainWindow::addEvent(Instant at, sim::Action action) {
    if (!rehearsal_) return 0;
    const int index = edits::add(scenario_, at, std::move(action));
    edited();
    return index;
}

bool MainWindow::moveEvent(int index, Instant at) {
    if (!rehearsal_ || !edits::move(scenario_, index, at)) return false;
    edited();
    return true;
}

bool MainWindow::removeEvent(int index) {
    if (!rehearsal_ || !edits::remove(scenario_, index)) return false;
    edited();
    return true;
}

void MainWindow::edited() {
    const RunFigures before = figuresOf(rehearsal_->report());
    previousTimeline_->load(QByteArray::fromStdString(rehearsal_->svg()));
    const Instant at = time();
    rerun(static_cast<std::uint64_t>(seed_->value()));
    compare_.setRuns(before, figuresOf(rehearsal_->report()));
    compareNote_->setText(QStringLiteral("After the last edit: %1 figure(s) differ from the previous run (bold).").arg(compare_.differences()));
    setTime(at);
}

}  // namespace kontena::gui
