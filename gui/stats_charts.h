#pragma once
// Live mode's statistics: two Qt Charts, CPU % and memory (MiB) over time,
// one line per container of the selected service (or one for the selected
// node), from the master's stats routes (API.md "Statistics"). Each call
// replaces what is shown: the charts are a view of the last answer.

#include <QList>
#include <QString>
#include <QWidget>

#include "api/stats.h"

class QChart;
class QChartView;
class QLabel;

namespace kontena::gui {

class StatsCharts : public QWidget {
    Q_OBJECT
public:
    explicit StatsCharts(QWidget* parent = nullptr);

    // One line per container (its name), points oldest first.
    void showService(const QString& service, const QList<api::ContainerStats>& containers);
    void showNode(const api::NodeStats& node);
    void clear(const QString& why);

    // What the charts hold (tests and the screenshot): the title, points in
    // the CPU chart and in the memory chart, and the line names.
    QString title() const;
    int cpuPoints() const;
    int memoryPoints() const;
    QStringList lineNames() const;

private:
    struct Line {
        QString name;
        QList<api::StatsPoint> points;
    };
    void show(const QString& title, const QList<Line>& lines);

    QLabel* title_ = nullptr;
    QChart* cpu_ = nullptr;
    QChart* memory_ = nullptr;
};

}  // namespace kontena::gui
