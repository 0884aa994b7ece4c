#pragma once
// An event dispatcher for Qt on Linux's epoll, for kontena-master's main
// thread (master/README.md "Event loop").
//
// Why: Qt's own UNIX dispatcher hands every socket notifier to poll() on
// every turn of the event loop, so a turn costs time in proportion to the
// number of agents connected, not to the number with something to say. At
// 10,000 agents the kernel's poll over all sockets was a third of the
// master's time (bench_master_connections, notes/open-ends.md). epoll keeps
// the interest set in the kernel and returns only the ready sockets.
//
// Why our own: Qt ships no epoll dispatcher, and none is packaged for
// Debian; the one public Qt-5-era implementation is unpackaged and uses
// private Qt API. This one uses only Qt's public QAbstractEventDispatcher
// interface.
//
// Semantics, as Qt's UNIX dispatcher has them:
// - Socket notifiers are level-triggered: a notifier is activated on every
//   turn while its socket is ready. An error or hang-up activates every
//   notifier of the socket, so none of them keeps the loop spinning.
// - A file epoll refuses (a regular file) is always ready, as poll says.
// - Timers fire in due order, at most once per turn; a timer whose handler
//   runs a nested event loop does not fire again inside it; a timer that
//   fell behind is re-armed from now, not fired to catch up. Once timers
//   have had 10 ms of a turn, the ones still due wait for the next turn,
//   so ready sockets are served between them (Qt fires all due at once).
// - Posted events are sent at the start of each turn; wakeUp() and
//   interrupt() may be called from any thread (an eventfd).
// Every change of a socket's notifiers goes to the kernel at once: Qt
// disables a socket's notifiers before it closes the socket, so the kernel
// never keeps a closed descriptor that a new socket could be given.

#include <QAbstractEventDispatcher>

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <unordered_map>

class QSocketNotifier;

namespace kontena::master {

class EpollDispatcher final : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollDispatcher(QObject* parent = nullptr);
    ~EpollDispatcher() override;

    // False when the kernel refused an epoll or an eventfd (then the
    // dispatcher must not be installed).
    bool isValid() const { return epoll_ >= 0 && wakeOnly_ >= 0 && wake_ >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier* notifier) override;
    void unregisterSocketNotifier(QSocketNotifier* notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject* object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject* object) override;
    QList<TimerInfo> registeredTimers(QObject* object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    // Sockets the kernel watches now (tests).
    std::size_t watchedSockets() const;

private:
    using Clock = std::chrono::steady_clock;

    // The notifiers of one file descriptor, and what the kernel was told.
    struct Interest {
        QSocketNotifier* read = nullptr;
        QSocketNotifier* write = nullptr;
        QSocketNotifier* exception = nullptr;
        std::uint32_t kernel = 0;     // events the kernel watches for (0: not watched)
        bool alwaysReady = false;     // epoll refused it (a regular file)
    };
    struct Timer {
        QObject* object = nullptr;
        qint64 interval = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        Clock::time_point due;
        std::multimap<Clock::time_point, int>::iterator armed;
        bool firing = false;          // its handler is running
    };

    static QSocketNotifier** slot(Interest& in, int type);
    void watch(int fd, Interest& in);
    void arm(int id, Timer& t, Clock::time_point due);
    int waitTimeoutMs() const;
    int activateSockets(const epoll_event* events, int ready);
    bool activate(int fd, std::uint32_t events);
    int activateAlwaysReady();
    int activateTimers();
    void drainWake();

    int epoll_ = -1;          // every socket and the wake eventfd
    int wakeOnly_ = -1;       // the wake eventfd alone (turns that exclude sockets)
    int wake_ = -1;
    std::atomic<bool> wakePending_{false};
    std::atomic<bool> interrupted_{false};

    std::unordered_map<int, Interest> fds_;
    int alwaysReady_ = 0;

    std::unordered_map<int, Timer> timers_;
    std::multimap<Clock::time_point, int> armed_;   // due -> timer id
};

// Installs an EpollDispatcher as the main thread's event dispatcher; call
// before QCoreApplication is constructed. False (and nothing installed)
// when the kernel refused it.
bool installEpollDispatcher();

}  // namespace kontena::master
