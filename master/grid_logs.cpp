#include "master/grid_logs.h"

#include "master/json_util.h"

namespace kontena::master {

void GridLogs::addEvent(const LogEntry& e) {
    events_.push_back(e);
    while (events_.size() > kEventLogMax) events_.pop_front();
}

void GridLogs::addContainerLine(const QString& node, const QString& at, const QString& name, const QString& stream,
                                const QString& data) {
    lines_.push_back(QJsonObject{{QStringLiteral("id"), QString::number(nextLineId_++)},
                                 {QStringLiteral("created_at"), at},
                                 {QStringLiteral("node"), node},
                                 {QStringLiteral("name"), name},
                                 {QStringLiteral("type"), stream},
                                 {QStringLiteral("data"), data}});
    while (lines_.size() > kContainerLogMax) lines_.pop_front();
}

QJsonArray GridLogs::events(int limit) const {
    QJsonArray out;
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(limit, 0)), events_.size());
    for (std::size_t i = events_.size() - n; i < events_.size(); ++i) {
        const LogEntry& l = events_[i];
        out.append(QJsonObject{{QStringLiteral("created_at"), timeJson(l.at)},
                               {QStringLiteral("type"), qs(l.kind)},
                               {QStringLiteral("subject"), qs(l.subject)},
                               {QStringLiteral("msg"), qs(l.detail)}});
    }
    return out;
}

QJsonArray GridLogs::containerLines(const QStringList& names, int limit) const {
    QJsonArray out;
    for (auto it = lines_.rbegin(); it != lines_.rend() && out.size() < limit; ++it) {
        if (!names.isEmpty() && !names.contains(it->value(QStringLiteral("name")).toString())) continue;
        out.prepend(*it);
    }
    return out;
}

}  // namespace kontena::master
