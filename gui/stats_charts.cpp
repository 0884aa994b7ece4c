#include "gui/stats_charts.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace kontena::gui {

namespace {

QChart* newChart(const QString& title) {
    auto* c = new QChart;
    c->setTitle(title);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->setMargins(QMargins(2, 2, 2, 2));
    return c;
}

// Replaces the chart's lines with `lines` (x: time, y: value(point)) on a time axis.
template <class Value>
void fill(QChart* chart, const QList<std::pair<QString, QList<api::StatsPoint>>>& lines, Value value, const QString& unit) {
    chart->removeAllSeries();
    for (QAbstractAxis* a : chart->axes()) {
        chart->removeAxis(a);
        delete a;
    }
    auto* x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("HH:mm"));
    auto* y = new QValueAxis;
    y->setTitleText(unit);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    qint64 lo = 0, hi = 0;
    double top = 1;
    for (const auto& [name, points] : lines) {
        auto* s = new QLineSeries;
        s->setName(name);
        for (const api::StatsPoint& p : points) {
            const qint64 t = QDateTime::fromString(p.time, Qt::ISODateWithMs).toMSecsSinceEpoch();
            const double v = value(p);
            s->append(double(t), v);
            lo = lo == 0 ? t : std::min(lo, t);
            hi = std::max(hi, t);
            top = std::max(top, v);
        }
        chart->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    if (hi <= lo) hi = lo + 60'000;
    x->setRange(QDateTime::fromMSecsSinceEpoch(lo), QDateTime::fromMSecsSinceEpoch(hi));
    y->setRange(0, top * 1.1);
}

int pointsIn(const QChart* chart) {
    int n = 0;
    for (const QAbstractSeries* s : chart->series()) n += static_cast<const QLineSeries*>(s)->count();
    return n;
}

}  // namespace

StatsCharts::StatsCharts(QWidget* parent) : QWidget(parent) {
    title_ = new QLabel(QStringLiteral("Select a service or a node for its statistics."));
    cpu_ = newChart(QStringLiteral("CPU %"));
    memory_ = newChart(QStringLiteral("Memory"));
    auto* cpuView = new QChartView(cpu_);
    auto* memoryView = new QChartView(memory_);
    for (QChartView* v : {cpuView, memoryView}) {
        v->setRenderHint(QPainter::Antialiasing);
        v->setMinimumHeight(160);
    }
    auto* charts = new QHBoxLayout;
    charts->addWidget(cpuView);
    charts->addWidget(memoryView);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addLayout(charts, 1);
}

void StatsCharts::showService(const QString& service, const QList<api::ContainerStats>& containers) {
    QList<Line> lines;
    for (const auto& c : containers) lines.append(Line{c.container, c.points});
    show(QStringLiteral("Service %1: %2 containers, the last hour").arg(service).arg(containers.size()), lines);
}

void StatsCharts::showNode(const api::NodeStats& node) { show(QStringLiteral("Node %1, the last hour").arg(node.node), {Line{node.node, node.points}}); }

void StatsCharts::clear(const QString& why) { show(why, {}); }

void StatsCharts::show(const QString& title, const QList<Line>& lines) {
    title_->setText(title);
    QList<std::pair<QString, QList<api::StatsPoint>>> pairs;
    for (const Line& l : lines) pairs.append({l.name, l.points});
    fill(cpu_, pairs, [](const api::StatsPoint& p) { return p.cpuPercent; }, QStringLiteral("%"));
    fill(memory_, pairs, [](const api::StatsPoint& p) { return p.memory / (1024.0 * 1024.0); }, QStringLiteral("MiB"));
}

QString StatsCharts::title() const { return title_->text(); }
int StatsCharts::cpuPoints() const { return pointsIn(cpu_); }
int StatsCharts::memoryPoints() const { return pointsIn(memory_); }

QStringList StatsCharts::lineNames() const {
    QStringList out;
    for (const QAbstractSeries* s : cpu_->series()) out << s->name();
    return out;
}

}  // namespace kontena::gui
