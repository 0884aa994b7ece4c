#include "gui/models/real_run.h"

#include <QBrush>
#include <QFile>
#include <QFont>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <map>
#include <set>

#include "scheduler/time.h"

namespace kontena::gui {

namespace {

// One subject's value at one instant: "-" when absent.
QString valueOf(const QJsonObject& map, const QString& key) {
    return map.contains(key) ? map.value(key).toString() : QStringLiteral("-");
}

// Rows of one instant: every instance and node either side names, then the quorum.
void rowsAt(const QJsonObject& sim, const QJsonObject& real, std::vector<RealRunRow>& out) {
    const qint64 at = qint64(sim.value(QStringLiteral("at_ms")).toDouble());
    for (const auto& [field, kind] : {std::pair{QStringLiteral("running"), QStringLiteral("instance")}, std::pair{QStringLiteral("nodes"), QStringLiteral("node")}}) {
        const QJsonObject a = sim.value(field).toObject(), b = real.value(field).toObject();
        std::set<QString> keys;
        for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
        for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
        for (const QString& k : keys) {
            RealRunRow r{at, kind + u' ' + k, valueOf(a, k), valueOf(b, k), false};
            r.differs = r.simulated != r.real;
            out.push_back(r);
        }
    }
    auto yesNo = [](const QJsonObject& o) { return o.value(QStringLiteral("quorum")).toBool(true) ? QStringLiteral("yes") : QStringLiteral("no"); };
    out.push_back({at, QStringLiteral("etcd quorum"), yesNo(sim), yesNo(real), yesNo(sim) != yesNo(real)});
}

}  // namespace

std::optional<RealRunReport> loadRealRunReport(const QString& path, QString* error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: cannot read: %2").arg(path, f.errorString());
        return std::nullopt;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    const QJsonObject o = doc.object();
    if (pe.error != QJsonParseError::NoError || !o.value(QStringLiteral("simulated")).isArray() || !o.value(QStringLiteral("real")).isArray()) {
        if (error)
            *error = pe.error != QJsonParseError::NoError ? QStringLiteral("%1: not JSON: %2 at offset %3").arg(path, pe.errorString()).arg(pe.offset)
                                                          : QStringLiteral("%1: not a real run's report (kontena-fidelity --reports): no simulated and real stories").arg(path);
        return std::nullopt;
    }
    RealRunReport r;
    r.scenario = o.value(QStringLiteral("scenario")).toString();
    r.file = o.value(QStringLiteral("file")).toString();
    r.timeScale = o.value(QStringLiteral("time_scale")).toDouble(0.1);
    r.agreed = o.value(QStringLiteral("agreed")).toBool();
    for (const auto& d : o.value(QStringLiteral("differences")).toArray()) r.differences << d.toString();
    r.picture = o.value(QStringLiteral("picture")).toString();
    const QJsonArray sim = o.value(QStringLiteral("simulated")).toArray(), real = o.value(QStringLiteral("real")).toArray();
    for (qsizetype i = 0; i < std::min(sim.size(), real.size()); ++i) rowsAt(sim.at(i).toObject(), real.at(i).toObject(), r.rows);
    return r;
}

void RealRunModel::setReport(const RealRunReport& report) {
    beginResetModel();
    rows_ = report.rows;
    endResetModel();
}

int RealRunModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

int RealRunModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RealRunModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(rows_.size())) return {};
    const RealRunRow& r = rows_[std::size_t(index.row())];
    if (role == Qt::FontRole && r.differs) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::ForegroundRole && r.differs && index.column() == Real) return QBrush(Qt::red);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case At: return QString::fromStdString(formatDuration(Duration::millis(r.atMs)));
    case Subject: return r.subject;
    case Simulated: return r.simulated;
    case Real: return r.real;
    default: return {};
    }
}

QVariant RealRunModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, o, role);
    static const char* names[] = {"at (scaled)", "subject", "simulated", "real"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}

}  // namespace kontena::gui
