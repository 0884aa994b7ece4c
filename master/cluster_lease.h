#pragma once
// Several masters on one PostgreSQL store: one leader per grid, holding a
// lease with a fencing term (issue 19).
//
//   master A ──acquire/renew (every lease/3)──▶ grid_leases (grid, holder,
//   master B ──read, take over when expired──▶   url, term, expires, version)
//   leader's write transaction ──fence()──▶ UPDATE … WHERE holder AND term
//
// A lease row per grid: its holder (this master's process: advertised URL
// and a random id, so a restarted master is a new holder), the holder's
// advertised URL (where followers redirect), the term, the expiry and a
// version. Every time comparison is the database's clock_timestamp(), never
// a master's clock. Taking a lease that expired, or that nobody holds,
// increments the term; renewing one's own keeps it.
//
// Fencing (Kontena's Mongo lock had none): every transaction that writes a
// grid's rows first runs fence(grid) on the store's connection: an UPDATE
// of the lease row that matches only this holder and the term it took.
// It locks the row until the transaction ends, so a takeover (which updates
// the same row) waits for the write to commit or abort; when the term
// changed the write is refused and this master steps down. A deposed
// leader's late write is therefore never stored, whatever its clock says.
// The version the fence increments tells followers their copy is stale.
//
// A leader also steps down by itself when it could not renew within the
// lease measured on its own monotonic clock from the renew's start (the
// database counts the lease from later, so the leader gives up first).

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>
#include <optional>

namespace kontena::master {

class Store;

class ClusterLease : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString advertiseUrl;   // this master's URL for clients (http[s]://host:port)
        std::chrono::milliseconds lease{10'000};
    };
    struct Lease {
        QString holder, url;
        qint64 term = 0, version = 0;
        bool live = false;   // unexpired when last read
    };

    ClusterLease(Store& store, Options options, QObject* parent = nullptr);

    // The store must be PostgreSQL (Store::open creates grid_leases there).
    // Renews, reads and takes over every lease_/3 from now on (poll() now too).
    void start();
    // One round: renew the leases held (lost: stepDown), read all leases,
    // take the expired ones, tell which grids changed.
    void poll();

    // Takes `grid`'s lease when nobody holds it or it expired, or renews it
    // when this master holds it. True: this master holds it now. A take
    // emits acquired(grid, term) (not a renew).
    bool acquire(const QString& grid);
    // Gives up `grid`'s lease (the grid was removed): its row is deleted.
    void release(const QString& grid);

    bool leads(const QString& grid) const { return held_.contains(grid); }
    qint64 term(const QString& grid) const { return held_.value(grid).term; }
    // The live leader's advertised URL; empty when no live lease is known.
    QString leaderUrl(const QString& grid) const;
    QString holderId() const { return holder_; }
    // The term of `grid`'s lease when last read (0: none known).
    qint64 knownTerm(const QString& grid) const { return known_.value(grid).term; }
    std::chrono::milliseconds leaseTime() const { return options_.lease; }
    // Every grid named by a lease row when last read.
    QStringList knownGrids() const { return known_.keys(); }

    // Store::setFence: inside the write's transaction. False (and a step
    // down, signalled after the transaction) when the term changed.
    bool fence(const QString& grid);

signals:
    // This master now leads `grid` with `term`: load it from the store.
    void acquired(const QString& grid, qint64 term);
    // This master no longer leads `grid`: drop what it holds in memory.
    void lost(const QString& grid, const QString& why);
    // Another master wrote `grid` (or it is new here): reload the copy.
    void changed(const QString& grid);
    // A lease row is gone (the grid was removed).
    void removed(const QString& grid);

private:
    struct Held {
        qint64 term = 0;
        QElapsedTimer since;   // started when the last successful renew was sent
    };
    std::optional<qint64> take(const QString& grid, bool* failed);   // the SQL of acquire
    void readAll();
    void stepDown(const QString& grid, const QString& why);

    Store& store_;
    Options options_;
    QString holder_;
    QTimer timer_;
    QHash<QString, Held> held_;
    QHash<QString, Lease> known_;
};

}  // namespace kontena::master
