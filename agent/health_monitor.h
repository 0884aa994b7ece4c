#pragma once
// HealthMonitor: the HTTP and TCP health checks of reference 8.2. For each
// watched container: wait initial_delay, check, then check every interval
// while healthy. Every result is emitted (the agent reports it with
// /containers/health); an unhealthy one also ends the watch, because the
// container is restarted and watched again when it runs.
//
//  http: GET http://<address>:<port><uri>, redirects not followed,
//        User-Agent Kontena-Agent/<version>, `timeout` for the whole
//        request; 200-399 healthy, anything else, a timeout or an error not.
//  tcp:  a connect within `timeout` is healthy.

#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>

#include "protocol/messages.h"
#include "scheduler/model.h"

namespace kontena::agentd {

class HealthMonitor : public QObject {
    Q_OBJECT
public:
    explicit HealthMonitor(QString agentVersion, QObject* parent = nullptr);
    ~HealthMonitor() override;

    // (Re)starts checking `name` at `address`; replaces an earlier watch.
    void watch(const QString& name, const QString& id, const HealthCheck& check, const QString& address);
    void unwatch(const QString& name);
    bool watching(const QString& name) const { return watches_.count(name) != 0; }

signals:
    void result(const kontena::protocol::ContainerHealth& health);

private:
    struct Watch;
    void check(const QString& name, quint64 generation);
    void finish(const QString& name, quint64 generation, bool healthy, int code, const QString& detail);

    QString userAgent_;
    QNetworkAccessManager http_;
    std::map<QString, std::unique_ptr<Watch>> watches_;
    quint64 nextGeneration_ = 1;
};

}  // namespace kontena::agentd
