#include "master/grid_logs.h"

#include <QDateTime>

#include <algorithm>

#include "master/json_util.h"

namespace kontena::master {

void GridLogs::setStore(LogStore* store, const QString& grid, bool readBack) {
    store_ = store;
    grid_ = grid;
    if (!readBack) return;
    for (const EventLine& e : store->recentEvents(grid, int(kEventLogMax)))
        events_.push_back(LogEntry{Instant(e.atMs), e.kind.toStdString(), e.subject.toStdString(), e.detail.toStdString()});
}

void GridLogs::addEvent(const LogEntry& e) {
    events_.push_back(e);
    while (events_.size() > kEventLogMax) events_.pop_front();
    if (store_) unstored_.push_back(EventLine{grid_, e.at.ms, qs(e.kind), qs(e.subject), qs(e.detail)});
}

void GridLogs::flushEvents() {
    if (!store_ || unstored_.empty()) return;
    if (store_->appendEvents(unstored_)) unstored_.clear();
    // A store that keeps failing must not grow this without bound.
    else if (unstored_.size() > kEventLogMax) unstored_.erase(unstored_.begin(), unstored_.end() - std::ptrdiff_t(kEventLogMax));
}

namespace {

// "stack.service-N" (or "service-N" in the null stack) -> stack, service, N.
void nameInto(const QString& name, LogLine& l) {
    const qsizetype dot = name.indexOf(QLatin1Char('.'));
    const qsizetype dash = name.lastIndexOf(QLatin1Char('-'));
    l.stack = dot > 0 ? name.left(dot) : QStringLiteral("null");
    const qsizetype from = dot > 0 ? dot + 1 : 0;
    bool ok = false;
    const int n = dash > from ? name.mid(dash + 1).toInt(&ok) : 0;
    l.service = ok ? name.mid(from, dash - from) : name.mid(from);
    l.instance = ok ? n : 0;
}

QString containerNameOf(const LogLine& l) {
    const QString base = l.instance > 0 ? l.service + QLatin1Char('-') + QString::number(l.instance) : l.service;
    return l.stack == QLatin1String("null") ? base : l.stack + QLatin1Char('.') + base;
}

bool matches(const LogQuery& q, const LogLine& l) {
    return (!q.stack || *q.stack == l.stack) && (!q.service || *q.service == l.service) && (!q.instance || *q.instance == l.instance) &&
           (!q.sinceMs || l.atMs >= *q.sinceMs) && (!q.afterId || l.id > *q.afterId);
}

}  // namespace

bool GridLogs::addContainerLines(const QString& node, const QList<protocol::LogEntry>& batch) {
    std::vector<LogLine> lines;
    lines.reserve(std::size_t(batch.size()));
    for (const protocol::LogEntry& e : batch) {
        LogLine l;
        l.grid = grid_;
        nameInto(e.name, l);
        l.node = node;
        l.stream = e.stream;
        l.atMs = e.at.toMSecsSinceEpoch();
        l.text = e.data;
        lines.push_back(std::move(l));
    }
    if (store_) return store_->append(lines);
    for (LogLine& l : lines) {
        l.id = nextLineId_++;
        lines_.push_back(std::move(l));
    }
    while (lines_.size() > kContainerLogMax) lines_.pop_front();
    return true;
}

QList<api::EventLogEntry> GridLogs::events(int limit, const std::function<bool(const std::string&)>& about) const {
    QList<api::EventLogEntry> out;
    const std::size_t want = static_cast<std::size_t>(std::max(limit, 0));
    for (auto it = events_.rbegin(); it != events_.rend() && std::size_t(out.size()) < want; ++it) {
        const LogEntry& l = *it;
        if (about && !about(l.subject)) continue;
        api::EventLogEntry e;
        e.createdAt = timeText(l.at);
        e.type = qs(l.kind);
        e.subject = qs(l.subject);
        e.msg = qs(l.detail);
        out.prepend(std::move(e));
    }
    return out;
}

std::function<bool(const std::string&)> GridLogs::aboutService(const std::string& key) {
    return [key](const std::string& subject) {
        if (subject == key) return true;
        if (subject.size() <= key.size() + 1 || subject.compare(0, key.size(), key) != 0 || subject[key.size()] != '-') return false;
        return std::all_of(subject.begin() + std::ptrdiff_t(key.size()) + 1, subject.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    };
}

std::function<bool(const std::string&)> GridLogs::aboutStack(const std::string& stack) {
    return [prefix = stack + "/", stack](const std::string& subject) { return subject == stack || subject.rfind(prefix, 0) == 0; };
}

QList<api::ContainerLogEntry> GridLogs::containerLines(const LogQuery& query) const {
    std::vector<LogLine> found;
    if (store_) {
        LogQuery q = query;
        q.grid = grid_;
        found = store_->query(q);
    } else if (query.oldestFirst) {
        for (auto it = lines_.begin(); it != lines_.end() && int(found.size()) < query.limit; ++it)
            if (matches(query, *it)) found.push_back(*it);
    } else {
        for (auto it = lines_.rbegin(); it != lines_.rend() && int(found.size()) < query.limit; ++it)
            if (matches(query, *it)) found.insert(found.begin(), *it);
    }
    QList<api::ContainerLogEntry> out;
    for (const LogLine& l : found) {
        api::ContainerLogEntry e;
        e.id = QString::number(l.id);
        e.createdAt = QDateTime::fromMSecsSinceEpoch(l.atMs, Qt::UTC).toString(Qt::ISODateWithMs);
        e.node = l.node;
        e.name = containerNameOf(l);
        e.type = l.stream;
        e.data = l.text;
        if (l.instance > 0) {
            e.service = l.stack + QLatin1Char('/') + l.service;
            e.instanceNumber = l.instance;
        } else {
            e.leaveOut({"service", "instance_number"});
        }
        out.append(std::move(e));
    }
    return out;
}

}  // namespace kontena::master
