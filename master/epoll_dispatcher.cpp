#include "master/epoll_dispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimerEvent>
#include <QtDebug>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

namespace kontena::master {

namespace {

// Ready sockets taken from the kernel per turn; more wait for the next
// turn (epoll hands ready sockets out round-robin, so none starves).
constexpr int kEventsPerTurn = 512;
// Time timers may take of a turn once one has fired (activateTimers).
constexpr std::chrono::milliseconds kTimersPerTurn{10};

void closeFd(int fd) {
    if (fd >= 0) ::close(fd);
}

}  // namespace

EpollDispatcher::EpollDispatcher(QObject* parent) : QAbstractEventDispatcher(parent) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wakeOnly_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!isValid()) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) != 0 || ::epoll_ctl(wakeOnly_, EPOLL_CTL_ADD, wake_, &ev) != 0) {
        closeFd(wake_);
        wake_ = -1;
    }
}

EpollDispatcher::~EpollDispatcher() {
    closeFd(epoll_);
    closeFd(wakeOnly_);
    closeFd(wake_);
}

// ---- the turn ----

bool EpollDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags) {
    interrupted_.store(false, std::memory_order_relaxed);
    emit awake();
    QCoreApplication::sendPostedEvents();

    const bool sockets = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    const bool timers = !flags.testFlag(QEventLoop::X11ExcludeTimers);
    const bool canWait = flags.testFlag(QEventLoop::WaitForMoreEvents) && !interrupted_.load(std::memory_order_relaxed);
    if (canWait) emit aboutToBlock();
    if (interrupted_.load(std::memory_order_relaxed)) return false;

    int timeout = 0;
    if (canWait && !(sockets && alwaysReady_ > 0)) timeout = timers ? waitTimeoutMs() : -1;
    std::array<epoll_event, kEventsPerTurn> events;
    int ready;
    do {
        ready = ::epoll_wait(sockets ? epoll_ : wakeOnly_, events.data(), kEventsPerTurn, timeout);
    } while (ready < 0 && errno == EINTR);

    int activated = activateSockets(events.data(), ready);
    if (sockets) activated += activateAlwaysReady();
    if (timers) activated += activateTimers();
    return activated > 0;
}

int EpollDispatcher::waitTimeoutMs() const {
    if (armed_.empty()) return -1;
    const auto left = armed_.begin()->first - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    // Rounded up: waking before the first timer is due would spin.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

void EpollDispatcher::wakeUp() {
    if (wakePending_.exchange(true, std::memory_order_acq_rel)) return;   // already awake
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof one);
}

void EpollDispatcher::interrupt() {
    interrupted_.store(true, std::memory_order_relaxed);
    wakeUp();
}

void EpollDispatcher::drainWake() {
    // The flag first: a wakeUp() from here on writes again, so none is lost.
    wakePending_.store(false, std::memory_order_release);
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(wake_, &count, sizeof count);
}

// ---- socket notifiers ----

QSocketNotifier** EpollDispatcher::slot(Interest& in, int type) {
    switch (type) {
    case QSocketNotifier::Read: return &in.read;
    case QSocketNotifier::Write: return &in.write;
    default: return &in.exception;
    }
}

void EpollDispatcher::registerSocketNotifier(QSocketNotifier* notifier) {
    const int fd = static_cast<int>(notifier->socket());
    Interest& in = fds_[fd];
    QSocketNotifier** s = slot(in, notifier->type());
    if (*s && *s != notifier) qWarning("EpollDispatcher: a second socket notifier of type %d for socket %d replaces the first", int(notifier->type()), fd);
    *s = notifier;
    watch(fd, in);
}

void EpollDispatcher::unregisterSocketNotifier(QSocketNotifier* notifier) {
    const int fd = static_cast<int>(notifier->socket());
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    QSocketNotifier** s = slot(it->second, notifier->type());
    if (*s != notifier) return;
    *s = nullptr;
    watch(fd, it->second);
    if (!it->second.read && !it->second.write && !it->second.exception) {
        if (it->second.alwaysReady) --alwaysReady_;
        fds_.erase(it);
    }
}

// Tells the kernel what `fd`'s notifiers want now.
void EpollDispatcher::watch(int fd, Interest& in) {
    if (in.alwaysReady) return;
    const std::uint32_t want = (in.read ? std::uint32_t(EPOLLIN) : 0u) | (in.write ? std::uint32_t(EPOLLOUT) : 0u) |
                               (in.exception ? std::uint32_t(EPOLLPRI) : 0u);
    if (want == in.kernel) return;
    if (want == 0) {
        // EBADF/ENOENT: the socket was closed first, and the kernel forgot it then.
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        in.kernel = 0;
        return;
    }
    epoll_event ev{};
    ev.events = want;
    ev.data.fd = fd;
    int op = in.kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int r = ::epoll_ctl(epoll_, op, fd, &ev);
    if (r != 0 && (errno == ENOENT || errno == EEXIST)) {
        // The kernel's view differs from ours (a descriptor closed and reused): take the other verb.
        op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        r = ::epoll_ctl(epoll_, op, fd, &ev);
    }
    if (r == 0) {
        in.kernel = want;
    } else if (errno == EPERM) {
        in.alwaysReady = true;   // a regular file: poll() calls it always ready
        in.kernel = 0;
        ++alwaysReady_;
    } else {
        qWarning("EpollDispatcher: cannot watch socket %d: %s", fd, std::strerror(errno));
        in.kernel = 0;
    }
}

int EpollDispatcher::activateSockets(const epoll_event* events, int ready) {
    int activated = 0;
    for (int i = 0; i < ready; ++i) {
        if (events[i].data.fd == wake_) {
            drainWake();
            continue;
        }
        if (activate(events[i].data.fd, events[i].events)) ++activated;
    }
    return activated;
}

// Sends SockAct to each of `fd`'s notifiers that `events` concern; an error
// or hang-up concerns all of them. Each is looked up again before it is
// sent: a handler may have disabled, deleted or replaced any of them.
bool EpollDispatcher::activate(int fd, std::uint32_t events) {
    const bool broken = events & (EPOLLERR | EPOLLHUP);
    bool any = false;
    for (const int type : {int(QSocketNotifier::Read), int(QSocketNotifier::Write), int(QSocketNotifier::Exception)}) {
        const std::uint32_t mask = type == QSocketNotifier::Read ? EPOLLIN : type == QSocketNotifier::Write ? EPOLLOUT : EPOLLPRI;
        if (!broken && !(events & mask)) continue;
        auto it = fds_.find(fd);
        if (it == fds_.end()) return any;
        QSocketNotifier* notifier = *slot(it->second, type);
        if (!notifier) continue;
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        any = true;
    }
    return any;
}

int EpollDispatcher::activateAlwaysReady() {
    if (alwaysReady_ == 0) return 0;
    std::vector<int> fds;
    for (const auto& [fd, in] : fds_) {
        if (in.alwaysReady) fds.push_back(fd);
    }
    int activated = 0;
    for (const int fd : fds) {
        if (activate(fd, EPOLLIN | EPOLLOUT)) ++activated;
    }
    return activated;
}

std::size_t EpollDispatcher::watchedSockets() const {
    std::size_t n = 0;
    for (const auto& entry : fds_) {
        if (entry.second.kernel) ++n;
    }
    return n;
}

// ---- timers ----

void EpollDispatcher::arm(int id, Timer& t, Clock::time_point due) {
    if (t.armed != armed_.end()) armed_.erase(t.armed);
    t.due = due;
    t.armed = armed_.emplace(due, id);
}

void EpollDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject* object) {
    unregisterTimer(timerId);
    Timer t;
    t.object = object;
    t.interval = interval < 0 ? 0 : interval;
    t.type = timerType;
    t.armed = armed_.end();
    Timer& stored = timers_.emplace(timerId, t).first->second;
    arm(timerId, stored, Clock::now() + std::chrono::milliseconds(stored.interval));
}

bool EpollDispatcher::unregisterTimer(int timerId) {
    auto it = timers_.find(timerId);
    if (it == timers_.end()) return false;
    armed_.erase(it->second.armed);
    timers_.erase(it);
    return true;
}

bool EpollDispatcher::unregisterTimers(QObject* object) {
    bool any = false;
    for (auto it = timers_.begin(); it != timers_.end();) {
        if (it->second.object != object) {
            ++it;
            continue;
        }
        armed_.erase(it->second.armed);
        it = timers_.erase(it);
        any = true;
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollDispatcher::registeredTimers(QObject* object) const {
    QList<TimerInfo> list;
    for (const auto& [id, t] : timers_) {
        if (t.object == object) list.append(TimerInfo(id, int(t.interval), t.type));
    }
    return list;
}

int EpollDispatcher::remainingTime(int timerId) {
    auto it = timers_.find(timerId);
    if (it == timers_.end()) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(it->second.due - Clock::now()).count();
    return left < 0 ? 0 : int(std::min<long long>(left, INT_MAX));
}

// Fires the timers due now, each once, in due order, for at most
// kTimersPerTurn: the rest stay due and fire in the next turn, after the
// sockets ready by then (at 10,000 agents every grid's passes fell due
// together, and one turn of them held every agent's keepalive up a quarter
// of a second). Timers armed while this runs (a zero interval included)
// wait for the next turn.
int EpollDispatcher::activateTimers() {
    const Clock::time_point now = Clock::now();
    const Clock::time_point enough = now + kTimersPerTurn;
    std::vector<int> due;
    for (auto it = armed_.begin(); it != armed_.end() && it->first <= now; ++it) due.push_back(it->second);
    int fired = 0;
    for (const int id : due) {
        auto it = timers_.find(id);
        if (it == timers_.end() || it->second.firing || it->second.due > now) continue;
        Timer& t = it->second;
        Clock::time_point next = t.due + std::chrono::milliseconds(t.interval);
        if (next < now) next = now + std::chrono::milliseconds(t.interval);   // fell behind: no catching up
        arm(id, t, next);
        t.firing = true;
        QObject* object = t.object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++fired;
        it = timers_.find(id);   // the handler may have killed it
        if (it != timers_.end()) it->second.firing = false;
        if (Clock::now() >= enough) break;
    }
    return fired;
}

bool installEpollDispatcher() {
    auto* dispatcher = new EpollDispatcher;
    if (!dispatcher->isValid()) {
        delete dispatcher;
        return false;
    }
    QCoreApplication::setEventDispatcher(dispatcher);
    return true;
}

}  // namespace kontena::master
