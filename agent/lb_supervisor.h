#pragma once
// LbSupervisor: keeps the HAProxy of each load balancer on this node
// configured with its backends (reference §9), the way Kontena's LB
// container followed etcd:
//
//   every second: /node_service_pods/lb_backends (the master: which services
//                 link to the LB, their KONTENA_LB_* env, health check, instances)
//   at once:      a container of this node runs (its bridge address), is gone,
//                 or its health check says unhealthy / healthy again
//        └──▶ lb::backendsFor (pure) ──▶ LbRuntime::updateBackends on a worker
//             thread: render, `haproxy -c`, seamless reload; a rejected
//             config keeps the old one and goes to the LB service's event log.
//
// Backends are the running, not unhealthy instances of linked services:
// those of THIS node from the node's own facts (at once), and — with the
// grid overlay (`kontena-agent --overlay on`, setRemoteBackends) — those of
// every other node at the overlay address their agent reported to the
// master, as the master last said (every second). Without the overlay an
// instance on another node has no address this node can reach (its Docker
// bridge address is private to its node), so it is left out.
//
// Secrets: a linked service's KONTENA_LB_* secrets (basic-auth users from
// the vault) arrive in the master's answer; they go into the rendered
// config only (mode 0600), never into a log. A secret the master could not
// read withholds that backend's upstreams (503), said once by name.

#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <set>

#include "agent/lb_runtime.h"
#include "protocol/messages.h"

namespace kontena::agentd {

class LbSupervisor : public QObject {
    Q_OBJECT
public:
    using Answer = std::function<void(const QString& error, const protocol::LbBackends& answer)>;
    using Source = std::function<void(const protocol::LbBackendsRequest&, Answer)>;

    LbSupervisor(std::shared_ptr<LbRuntime> runtime, QString nodeName, QObject* parent = nullptr);
    ~LbSupervisor() override;

    // How the master is asked (a request over the agent's connection).
    void setSource(Source source) { source_ = std::move(source); }
    // With the grid overlay: instances on other nodes are backends too, at
    // the addresses in the master's answer.
    void setRemoteBackends(bool on) { remote_ = on; }
    // Starts the periodic look at the master (every `interval`).
    void start(std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
    void stop() { poll_.stop(); }

    // What this node's agent sees of its containers (any, LB or not).
    void containerRunning(const QString& name, const QString& serviceKey, const QString& address);
    void containerGone(const QString& name);
    void healthChecked(const QString& name, bool healthy);

    // The backends the last update gave an LB instance (for tests).
    const std::vector<lb::LinkedService>* lastLinked(const std::string& lbName) const;

signals:
    // An LB's configuration was refused (HAProxy's reason): for the event log.
    void configRejected(const kontena::protocol::PodEvent& event);
    // An LB's HAProxy exited by itself: the pod supervisor should look again.
    void loadBalancerExited();
    void updated(int applied);

private:
    struct Local {
        QString serviceKey, address;
        bool running = false;
        bool unhealthy = false;
    };
    struct Outcome {
        std::string name, serviceId;
        int number = 0;
        QString error;
        bool reloaded = false;
    };
    void poll();
    void scheduleUpdate();
    void runUpdate();
    void afterUpdate(const std::vector<Outcome>& outcomes);
    std::vector<lb::LinkedService> linkedFor(const protocol::LbBackends& answer) const;
    void noteSecrets(const protocol::LbBackends& answer);

    std::shared_ptr<LbRuntime> runtime_;
    QString nodeName_;
    Source source_;
    QTimer poll_;
    QThreadPool worker_;
    std::map<std::string, protocol::LbBackends> answers_;   // by LB container name
    std::map<QString, Local> local_;                        // by container name
    std::map<std::string, std::vector<lb::LinkedService>> applied_;
    std::map<std::string, QString> lastError_;
    std::set<std::string> running_;
    std::map<QString, QString> secretNotes_;   // by service key: what was said about its secrets
    bool remote_ = false;
    bool updating_ = false, updateAgain_ = false, scheduled_ = false;
};

}  // namespace kontena::agentd
