#pragma once
// A real run's report (kontena-fidelity --reports DIR: DIR/NAME.json), to
// show beside the simulated run of the same scenario: at every check
// instant, what the simulator and the real grid showed, row by row, the
// rows where they differ marked, and the picture of both timelines.

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace kontena::gui {

struct RealRunRow {
    qint64 atMs = 0;      // scaled scenario time of the check instant
    QString subject;      // "instance web/api-1", "node worker-2", "etcd quorum"
    QString simulated, real;
    bool differs = false;
};

struct RealRunReport {
    QString scenario, file;      // the scenario's name and file (absolute)
    double timeScale = 0.1;
    bool agreed = false;
    QStringList differences;     // as kontena-fidelity printed them
    QString picture;             // SVG: both timelines in one picture
    std::vector<RealRunRow> rows;
};

// Reads a report; nullopt with a message in `error` when the file is not one.
std::optional<RealRunReport> loadRealRunReport(const QString& path, QString* error);

// The rows of a report: check instant, subject, simulated, real; the rows
// that differ bold (Qt::FontRole) and their real cell red (ForegroundRole).
class RealRunModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { At, Subject, Simulated, Real, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(const RealRunReport& report);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<RealRunRow> rows_;
};

}  // namespace kontena::gui
