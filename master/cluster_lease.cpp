#include "master/cluster_lease.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include "master/store.h"

Q_LOGGING_CATEGORY(lcLease, "kontena.master.lease")

namespace kontena::master {

ClusterLease::ClusterLease(Store& store, Options options, QObject* parent)
    : QObject(parent), store_(store), options_(std::move(options)) {
    holder_ = options_.advertiseUrl + u' ' + QUuid::createUuid().toString(QUuid::WithoutBraces).left(8);
    connect(&timer_, &QTimer::timeout, this, &ClusterLease::poll);
}

void ClusterLease::start() {
    timer_.start(std::max<std::chrono::milliseconds>(options_.lease / 3, std::chrono::milliseconds(50)));
    poll();
}

// Inserts the row (term 1), takes it over when expired (term + 1) or
// renews it when ours (same term); nothing when another holds it unexpired.
std::optional<qint64> ClusterLease::take(const QString& grid, bool* failed) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral(
        "INSERT INTO grid_leases AS l (grid, holder, url, term, expires, version) "
        "VALUES (?, ?, ?, 1, clock_timestamp() + make_interval(secs => CAST(? AS double precision)), 0) "
        "ON CONFLICT (grid) DO UPDATE SET term = CASE WHEN l.holder = excluded.holder THEN l.term ELSE l.term + 1 END, "
        "holder = excluded.holder, url = excluded.url, expires = excluded.expires "
        "WHERE l.holder = excluded.holder OR l.expires <= clock_timestamp() RETURNING l.term"));
    q.addBindValue(grid);
    q.addBindValue(holder_);
    q.addBindValue(options_.advertiseUrl);
    q.addBindValue(double(options_.lease.count()) / 1000.0);
    *failed = !q.exec();
    if (*failed) {
        qCWarning(lcLease).noquote() << QStringLiteral("grid %1:").arg(grid) << "cannot take or renew the lease:" << q.lastError().text();
        return std::nullopt;
    }
    if (!q.next()) return std::nullopt;
    return q.value(0).toLongLong();
}

bool ClusterLease::acquire(const QString& grid) {
    QElapsedTimer sent;
    sent.start();
    bool failed = false;
    const std::optional<qint64> term = take(grid, &failed);
    if (failed) return leads(grid);   // kept until the lease runs out on our clock (poll)
    auto it = held_.find(grid);
    if (!term) {
        if (it != held_.end()) stepDown(grid, QStringLiteral("another master took the lease"));
        return false;
    }
    if (it != held_.end() && it->term == *term) {
        it->since = sent;
        return true;
    }
    if (it != held_.end()) stepDown(grid, QStringLiteral("the term changed"));
    held_.insert(grid, Held{*term, sent});
    Lease& k = known_[grid];
    k.holder = holder_;
    k.url = options_.advertiseUrl;
    k.term = *term;
    k.live = true;
    qCInfo(lcLease).noquote() << QStringLiteral("grid %1:").arg(grid) << "this master leads it, term" << *term;
    emit acquired(grid, *term);
    return true;
}

void ClusterLease::release(const QString& grid) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("DELETE FROM grid_leases WHERE grid = ? AND holder = ?"));
    q.addBindValue(grid);
    q.addBindValue(holder_);
    if (!q.exec()) qCWarning(lcLease).noquote() << QStringLiteral("grid %1:").arg(grid) << "cannot release the lease:" << q.lastError().text();
    held_.remove(grid);
    known_.remove(grid);
}

QString ClusterLease::leaderUrl(const QString& grid) const {
    const auto it = known_.find(grid);
    return it != known_.end() && it->live ? it->url : QString();
}

void ClusterLease::stepDown(const QString& grid, const QString& why) {
    if (!held_.remove(grid)) return;
    known_[grid].live = false;
    qCWarning(lcLease).noquote() << QStringLiteral("grid %1:").arg(grid) << "this master steps down:" << why;
    emit lost(grid, why);
}

bool ClusterLease::fence(const QString& grid) {
    const auto it = held_.find(grid);
    if (it == held_.end()) return false;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("UPDATE grid_leases SET version = version + 1 WHERE grid = ? AND holder = ? AND term = ? RETURNING version"));
    q.addBindValue(grid);
    q.addBindValue(holder_);
    q.addBindValue(it->term);
    if (!q.exec()) return false;   // the transaction failed; the lease may still be ours
    if (q.next()) {
        known_[grid].version = q.value(0).toLongLong();
        return true;
    }
    // Deposed: no more writes from here; the step down runs once the
    // caller's transaction is over (its slots drop the grid's runtime).
    const qint64 was = it->term;
    held_.remove(grid);
    known_[grid].live = false;
    qCWarning(lcLease).noquote() << QStringLiteral("grid %1:").arg(grid) << "write refused, term" << was << "is over";
    QMetaObject::invokeMethod(this, [this, grid, was] { emit lost(grid, QStringLiteral("a write found term %1 over").arg(was)); }, Qt::QueuedConnection);
    return false;
}

void ClusterLease::poll() {
    for (const QString& grid : held_.keys()) {
        if (held_.value(grid).since.elapsed() >= options_.lease.count()) stepDown(grid, QStringLiteral("could not renew the lease in time"));
        else acquire(grid);
    }
    readAll();
    for (const QString& grid : known_.keys()) {
        if (!known_.value(grid).live && !leads(grid)) acquire(grid);
    }
}

// Every lease row: who leads what, and which copies are stale.
void ClusterLease::readAll() {
    QSqlQuery q(store_.database());
    if (!q.exec(QStringLiteral("SELECT grid, holder, url, term, version, expires > clock_timestamp() FROM grid_leases"))) {
        qCWarning(lcLease).noquote() << "cannot read the leases:" << q.lastError().text();
        return;
    }
    QHash<QString, Lease> now;
    while (q.next()) {
        now.insert(q.value(0).toString(),
                   Lease{q.value(1).toString(), q.value(2).toString(), q.value(3).toLongLong(), q.value(4).toLongLong(), q.value(5).toBool()});
    }
    QStringList stale, gone;
    for (auto it = now.begin(); it != now.end(); ++it) {
        const auto old = known_.find(it.key());
        if (!leads(it.key()) && (old == known_.end() || old->version != it->version || old->term != it->term)) stale << it.key();
    }
    for (auto it = known_.begin(); it != known_.end(); ++it) {
        if (!now.contains(it.key())) gone << it.key();
    }
    known_ = now;
    for (const QString& grid : gone) {
        held_.remove(grid);
        emit removed(grid);
    }
    for (const QString& grid : stale) emit changed(grid);
}

}  // namespace kontena::master
