#include "master/grid_logs.h"

#include "master/json_util.h"

namespace kontena::master {

void GridLogs::addEvent(const LogEntry& e) {
    events_.push_back(e);
    while (events_.size() > kEventLogMax) events_.pop_front();
}

void GridLogs::addContainerLine(const QString& node, const QString& at, const QString& name, const QString& stream,
                                const QString& data) {
    api::ContainerLogEntry line;
    line.id = QString::number(nextLineId_++);
    line.createdAt = at;
    line.node = node;
    line.name = name;
    line.type = stream;
    line.data = data;
    line.leaveOut({"service", "instance_number"});
    lines_.push_back(std::move(line));
    while (lines_.size() > kContainerLogMax) lines_.pop_front();
}

QList<api::EventLogEntry> GridLogs::events(int limit) const {
    QList<api::EventLogEntry> out;
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(limit, 0)), events_.size());
    for (std::size_t i = events_.size() - n; i < events_.size(); ++i) {
        const LogEntry& l = events_[i];
        api::EventLogEntry e;
        e.createdAt = timeText(l.at);
        e.type = qs(l.kind);
        e.subject = qs(l.subject);
        e.msg = qs(l.detail);
        out.append(std::move(e));
    }
    return out;
}

QList<api::ContainerLogEntry> GridLogs::containerLines(const QStringList& names, int limit) const {
    QList<api::ContainerLogEntry> out;
    for (auto it = lines_.rbegin(); it != lines_.rend() && out.size() < limit; ++it) {
        if (!names.isEmpty() && !names.contains(it->name)) continue;
        out.prepend(*it);
    }
    return out;
}

}  // namespace kontena::master
