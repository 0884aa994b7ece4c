// kontena-master's epoll event dispatcher (master/epoll_dispatcher.h),
// installed as this test's own main-thread dispatcher: level-triggered
// socket notifiers, hang-ups, regular files, timers in due order, not
// re-entered and yielding to sockets, posted events, wake-ups and
// interrupts from other threads, paced accepts, and loopback TCP echo over
// hundreds of connections opened, closed and opened again (descriptors
// reused).
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QPointer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "master/accept_pacer.h"
#include "master/epoll_dispatcher.h"

using kontena::master::EpollDispatcher;

namespace {

EpollDispatcher* dispatcher() {
    return qobject_cast<EpollDispatcher*>(QAbstractEventDispatcher::instance());
}

// A connected pair of UNIX stream sockets, closed at the end of the scope.
struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
    ~SocketPair() {
        for (int f : fd) {
            if (f >= 0) ::close(f);
        }
    }
    void send(const char* text) const { QVERIFY(::write(fd[1], text, std::strlen(text)) > 0); }
};

void turns(int n) {
    for (int i = 0; i < n; ++i) QCoreApplication::processEvents();
}

}  // namespace

class TstEpollDispatcher : public QObject {
    Q_OBJECT

private slots:
    void installed() {
        QVERIFY(dispatcher());
        QVERIFY(dispatcher()->isValid());
    }

    // A read notifier fires on every turn while data waits, and stops once it is read.
    void readIsLevelTriggered() {
        SocketPair pair;
        QSocketNotifier n(pair.fd[0], QSocketNotifier::Read);
        QSignalSpy spy(&n, &QSocketNotifier::activated);
        turns(3);
        QCOMPARE(spy.count(), 0);
        pair.send("ping");
        turns(3);
        QCOMPARE(spy.count(), 3);
        char buf[16];
        QCOMPARE(::read(pair.fd[0], buf, sizeof buf), ssize_t(4));
        turns(3);
        QCOMPARE(spy.count(), 3);
    }

    // Turning a notifier off takes the socket out of the kernel's set; a disabled one never fires.
    void disableAndEnable() {
        SocketPair pair;
        const std::size_t before = dispatcher()->watchedSockets();
        QSocketNotifier w(pair.fd[0], QSocketNotifier::Write);
        QCOMPARE(dispatcher()->watchedSockets(), before + 1);
        QSignalSpy spy(&w, &QSocketNotifier::activated);
        turns(1);
        QCOMPARE(spy.count(), 1);   // an empty socket buffer is writable
        w.setEnabled(false);
        QCOMPARE(dispatcher()->watchedSockets(), before);
        turns(3);
        QCOMPARE(spy.count(), 1);
        w.setEnabled(true);
        turns(1);
        QCOMPARE(spy.count(), 2);
    }

    // Read and write notifiers on one socket: each fires for its own readiness only.
    void readAndWriteOnOneSocket() {
        SocketPair pair;
        QSocketNotifier r(pair.fd[0], QSocketNotifier::Read);
        QSocketNotifier w(pair.fd[0], QSocketNotifier::Write);
        QSignalSpy reads(&r, &QSocketNotifier::activated);
        QSignalSpy writes(&w, &QSocketNotifier::activated);
        turns(2);
        QCOMPARE(reads.count(), 0);
        QCOMPARE(writes.count(), 2);
        w.setEnabled(false);
        pair.send("x");
        turns(2);
        QCOMPARE(reads.count(), 2);
        QCOMPARE(writes.count(), 2);
    }

    // The peer's close wakes the read notifier (which then reads end-of-file).
    void hangUpActivatesRead() {
        SocketPair pair;
        QSocketNotifier r(pair.fd[0], QSocketNotifier::Read);
        int eofs = 0;
        connect(&r, &QSocketNotifier::activated, this, [&] {
            char buf[8];
            if (::read(pair.fd[0], buf, sizeof buf) == 0) {
                ++eofs;
                r.setEnabled(false);
            }
        });
        ::close(pair.fd[1]);
        pair.fd[1] = -1;
        turns(3);
        QCOMPARE(eofs, 1);
    }

    // A handler that deletes its own notifier and another socket's, mid-turn.
    void notifierDeletedDuringDispatch() {
        SocketPair a, b;
        auto* na = new QSocketNotifier(a.fd[0], QSocketNotifier::Read);
        QPointer<QSocketNotifier> nb = new QSocketNotifier(b.fd[0], QSocketNotifier::Read);
        int fired = 0;
        auto both = [&] {
            ++fired;
            delete na;
            na = nullptr;
            delete nb.data();
        };
        connect(na, &QSocketNotifier::activated, this, both);
        connect(nb.data(), &QSocketNotifier::activated, this, both);
        a.send("1");
        b.send("2");
        turns(3);
        QCOMPARE(fired, 1);
        QVERIFY(nb.isNull());
    }

    // epoll refuses regular files; poll() calls them always ready, and so does the dispatcher.
    void regularFileIsAlwaysReady() {
        QTemporaryFile f;
        QVERIFY(f.open());
        QSocketNotifier n(f.handle(), QSocketNotifier::Read);
        QSignalSpy spy(&n, &QSocketNotifier::activated);
        turns(2);
        QCOMPARE(spy.count(), 2);
        n.setEnabled(false);
        turns(1);
        QCOMPARE(spy.count(), 2);
    }

    // A turn that excludes socket notifiers leaves a ready socket for a later turn.
    void excludeSocketNotifiers() {
        SocketPair pair;
        QSocketNotifier n(pair.fd[0], QSocketNotifier::Read);
        QSignalSpy spy(&n, &QSocketNotifier::activated);
        pair.send("x");
        QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(spy.count(), 0);
        QCoreApplication::processEvents();
        QCOMPARE(spy.count(), 1);
    }

    // Single-shot timers fire in due order, none before its interval.
    void timersInDueOrder() {
        QElapsedTimer clock;
        clock.start();
        std::vector<std::pair<int, qint64>> fired;
        for (const int ms : {60, 20, 40, 0}) {
            QTimer::singleShot(ms, Qt::PreciseTimer, this, [&fired, &clock, ms] { fired.emplace_back(ms, clock.elapsed()); });
        }
        QTRY_COMPARE_WITH_TIMEOUT(fired.size(), std::size_t(4), 5000);
        QCOMPARE(fired[0].first, 0);
        QCOMPARE(fired[1].first, 20);
        QCOMPARE(fired[2].first, 40);
        QCOMPARE(fired[3].first, 60);
        for (const auto& [ms, at] : fired) QVERIFY2(at >= ms, qPrintable(QStringLiteral("%1 ms timer at %2 ms").arg(ms).arg(at)));
    }

    // Timers due together get 10 ms of a turn: a socket made ready by the
    // first is served before the last (Qt's loop fires all twenty first).
    void timersYieldToSockets() {
        SocketPair pair;
        QSocketNotifier n(pair.fd[0], QSocketNotifier::Read);
        std::vector<QString> order;
        connect(&n, &QSocketNotifier::activated, this, [&] {
            order.push_back(QStringLiteral("socket"));
            n.setEnabled(false);
        });
        for (int i = 0; i < 20; ++i) {
            QTimer::singleShot(5, Qt::PreciseTimer, this, [&, i] {
                if (i == 0) pair.send("x");
                order.push_back(QStringLiteral("timer"));
                QTest::qSleep(3);
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), std::size_t(21), 5000);
        const auto socketAt = std::find(order.begin(), order.end(), QStringLiteral("socket")) - order.begin();
        QVERIFY2(socketAt > 0 && socketAt < 20, qPrintable(QString::number(socketAt)));
    }

    // A repeating timer keeps firing, reports the time left, and stops when stopped.
    void repeatingTimer() {
        QTimer t;
        t.setTimerType(Qt::PreciseTimer);
        t.setInterval(15);
        int count = 0;
        connect(&t, &QTimer::timeout, this, [&] { ++count; });
        t.start();
        const int left = t.remainingTime();
        QVERIFY2(left >= 0 && left <= 15, qPrintable(QString::number(left)));
        QTRY_VERIFY_WITH_TIMEOUT(count >= 5, 5000);
        t.stop();
        QCOMPARE(t.remainingTime(), -1);
        const int stopped = count;
        QTest::qWait(60);
        QCOMPARE(count, stopped);
    }

    // A timer whose handler runs a nested event loop is not fired again inside it.
    void timerNotReentered() {
        QTimer t;
        t.setInterval(5);
        int depth = 0;
        int maxDepth = 0;
        int fired = 0;
        connect(&t, &QTimer::timeout, this, [&] {
            ++fired;
            maxDepth = std::max(maxDepth, ++depth);
            if (fired == 1) {
                QEventLoop nested;
                QTimer::singleShot(80, &nested, &QEventLoop::quit);
                nested.exec();
            }
            --depth;
        });
        t.start();
        QTRY_VERIFY_WITH_TIMEOUT(fired >= 3, 5000);
        QCOMPARE(maxDepth, 1);
    }

    // A timer killed by another timer's handler in the same turn does not fire.
    void timerKilledMidTurn() {
        auto* victim = new QTimer(this);
        victim->setSingleShot(true);
        victim->setTimerType(Qt::PreciseTimer);
        bool victimFired = false;
        connect(victim, &QTimer::timeout, this, [&] { victimFired = true; });
        QTimer killer;
        killer.setSingleShot(true);
        killer.setTimerType(Qt::PreciseTimer);
        connect(&killer, &QTimer::timeout, this, [&] { delete victim; });
        killer.start(10);
        victim->start(10);
        QTest::qSleep(30);   // both due in the same turn
        turns(2);
        QTest::qWait(30);
        QVERIFY(!victimFired);
    }

    // An event posted from another thread wakes a loop blocked with nothing to do.
    void crossThreadPostWakes() {
        bool arrived = false;
        QEventLoop loop;
        std::unique_ptr<QThread> thread(QThread::create([&] {
            QThread::msleep(50);
            QMetaObject::invokeMethod(&loop, [&] { arrived = true; loop.quit(); }, Qt::QueuedConnection);
        }));
        QTimer guard;   // fails the test instead of hanging it
        guard.setSingleShot(true);
        connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
        guard.start(10000);
        thread->start();
        QElapsedTimer clock;
        clock.start();
        loop.exec();
        thread->wait();
        QVERIFY(arrived);
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    }

    // interrupt() from another thread ends a blocking turn.
    void interruptFromAnotherThread() {
        QTimer guard;
        guard.setSingleShot(true);
        guard.start(10000);
        EpollDispatcher* mainLoop = dispatcher();   // instance() answers for the calling thread
        std::unique_ptr<QThread> thread(QThread::create([mainLoop] {
            QThread::msleep(50);
            mainLoop->interrupt();
        }));
        thread->start();
        QElapsedTimer clock;
        clock.start();
        dispatcher()->processEvents(QEventLoop::WaitForMoreEvents);
        thread->wait();
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    }

    void deleteLaterRuns() {
        QPointer<QObject> o = new QObject;
        o->deleteLater();
        QTRY_VERIFY_WITH_TIMEOUT(o.isNull(), 2000);
    }

    // A paced server takes a backlog of 100 connections at most 8 a turn, and all of them.
    void acceptsPaced() {
        QTcpServer server;
        server.setListenBacklogSize(256);   // Qt's 50 would hold only half the clients
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        kontena::master::paceAccepts(&server, 8);
        std::vector<QTcpSocket*> accepted;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket* s = server.nextPendingConnection()) accepted.push_back(s);
        });
        server.pauseAccepting();
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        int connected = 0;
        for (int i = 0; i < 100; ++i) {
            clients.push_back(std::make_unique<QTcpSocket>());
            connect(clients.back().get(), &QTcpSocket::connected, this, [&] { ++connected; });
            clients.back()->connectToHost(QHostAddress::LocalHost, server.serverPort());
        }
        QTRY_COMPARE_WITH_TIMEOUT(connected, 100, 10000);   // all in the kernel's backlog
        QCOMPARE(accepted.size(), std::size_t(0));
        int thisTurn = 0, most = 0, turnsWithAccepts = 0;
        std::size_t before = 0;
        auto turn = connect(dispatcher(), &QAbstractEventDispatcher::awake, this, [&] {
            thisTurn = int(accepted.size() - before);
            before = accepted.size();
            most = std::max(most, thisTurn);
            if (thisTurn > 0) ++turnsWithAccepts;
        });
        server.resumeAccepting();
        QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), std::size_t(100), 10000);
        QCoreApplication::processEvents();   // closes the count of the last turn
        disconnect(turn);
        QVERIFY2(most <= 8, qPrintable(QString::number(most)));
        QVERIFY2(turnsWithAccepts >= 12, qPrintable(QString::number(turnsWithAccepts)));
        qDeleteAll(accepted);
    }

    // 300 loopback clients echo through a QTcpServer, twice: all bytes come
    // back, and once they are gone the kernel watches only the server.
    void tcpEchoManyConnections() {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket* s = server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        const std::size_t base = dispatcher()->watchedSockets();
        const QByteArray payload(4000, 'k');
        for (int round = 0; round < 2; ++round) {
            std::vector<std::unique_ptr<QTcpSocket>> clients;
            int done = 0;
            for (int i = 0; i < 300; ++i) {
                auto c = std::make_unique<QTcpSocket>();
                QTcpSocket* raw = c.get();
                connect(raw, &QTcpSocket::connected, raw, [raw, &payload] { raw->write(payload); });
                connect(raw, &QTcpSocket::readyRead, raw, [raw, &payload, &done] {
                    if (raw->bytesAvailable() >= payload.size() && raw->readAll() == payload) ++done;
                });
                raw->connectToHost(QHostAddress::LocalHost, server.serverPort());
                clients.push_back(std::move(c));
            }
            QTRY_COMPARE_WITH_TIMEOUT(done, 300, 30000);
            for (auto& c : clients) c->disconnectFromHost();
            clients.clear();
            QTRY_COMPARE_WITH_TIMEOUT(dispatcher()->watchedSockets(), base, 10000);
        }
    }
};

int main(int argc, char** argv) {
    if (!kontena::master::installEpollDispatcher()) return 3;
    QCoreApplication app(argc, argv);
    TstEpollDispatcher t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_epoll_dispatcher.moc"
