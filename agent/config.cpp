#include "agent/config.h"

#include <QCommandLineParser>
#include <QHostAddress>
#include <QHostInfo>

#include <algorithm>

#include "agent/version.h"
#include "scheduler/model.h"

namespace kontena::agentd {

Millis reconnectBackoff(int attempt, Millis cap, Millis unit) {
    GridSettings s;   // the core's formula, as the simulator's nodes use it
    s.reconnectBackoffMax = Duration::millis(cap.count());
    s.reconnectBackoffUnit = Duration::millis(unit.count());
    return Millis(s.reconnectDelay(attempt).ms);
}

namespace {

QString envValue(const QStringList& env, const QString& name) {
    const QString prefix = name + QLatin1Char('=');
    for (const QString& e : env)
        if (e.startsWith(prefix)) return e.mid(prefix.size());
    return {};
}

struct Option {
    const char* name;
    const char* variable;
    const char* valueName;
    const char* help;
};

const Option kOptions[] = {
    {"master", "KONTENA_URI", "url",
     "The master's WebSocket URL, ws://HOST:PORT or wss://HOST:PORT (required). Several masters: URLs separated by commas, or the option "
     "repeated; the agent fails over between them and ends up on the grid's leader."},
    {"token", "KONTENA_TOKEN", "token", "The grid token (or, with --node-token, this node's token) (required)."},
    {"node-token", "KONTENA_NODE_TOKEN_MODE", "yes|no", "Send the token as Kontena-Node-Token instead of Kontena-Grid-Token."},
    {"node-name", "KONTENA_NODE_NAME", "name", "The node's name in the grid. Default: the host name."},
    {"node-id", "KONTENA_NODE_ID", "id", "The node's id. Default: the Docker Engine's ID."},
    {"labels", "KONTENA_NODE_LABELS", "list", "Comma-separated node labels, e.g. \"az=a,ssd\"."},
    {"grid", "KONTENA_GRID_NAME", "name", "The grid name written into container labels. Default: default."},
    {"docker-host", "DOCKER_HOST", "unix://path", "The Docker Engine socket. Default: unix:///var/run/docker.sock."},
    {"data-dir", "KONTENA_DATA_DIR", "path", "Where the node's DNS hosts file and etcd data live. Default: /var/lib/kontena-agent/<node name>."},
    {"dns", "KONTENA_DNS", "on|off", "Run the node's DNS server (dnsmasq) for *.kontena.local names and make containers use it. Default: on."},
    {"dns-address", "KONTENA_DNS_ADDRESS", "ip", "The address the DNS server listens on. Default: the Docker bridge's gateway."},
    {"dns-port", "KONTENA_DNS_PORT", "port", "The DNS server's port (containers can only use 53). Default: 53."},
    {"dnsmasq", "KONTENA_DNSMASQ", "path", "The dnsmasq program. Default: /usr/sbin/dnsmasq."},
    {"stats-interval", "KONTENA_STATS_INTERVAL", "seconds", "Seconds between container and node statistics samples. Default: 60 (Kontena's)."},
    {"state-dir", "KONTENA_AGENT_STATE_DIR", "dir",
     "Where the node's load balancers keep their HAProxy files and certificates. Default: /var/lib/kontena-agent."},
    {"etcd", "KONTENA_ETCD", "on|off",
     "On an initial node, run the grid's etcd member (etcd-server) and report its health to the master. Default: off."},
    {"etcd-address", "KONTENA_ETCD_ADDRESS", "pattern",
     "Where etcd member N listens, %n standing for N (e.g. 127.0.1.%n). Default: the node's overlay address."},
    {"etcd-program", "KONTENA_ETCD_PROGRAM", "path", "The etcd program. Default: /usr/bin/etcd."},
    {"overlay", "KONTENA_OVERLAY", "on|off",
     "Build the grid overlay (VXLAN bridge `kontena`) and give containers grid addresses from IPAM in etcd. Default: off."},
    {"private-ip", "KONTENA_PRIVATE_IP", "ip",
     "The address the grid's other nodes reach this one at (overlay, etcd peers). Default: the first non-loopback IPv4 address."},
    {"time-scale", "KONTENA_AGENT_TIME_SCALE", "factor",
     "Rehearsals on real hosts only: multiply the node's platform timings (crash and reconnect backoff, keepalive) by this, as kontena-master --time-scale. Default: 1."},
};

bool isOff(const QString& v) {
    const QString l = v.toLower();
    return l == QLatin1String("off") || l == QLatin1String("no") || l == QLatin1String("false") || l == QLatin1String("0");
}

// --data-dir, the DNS options (kOptions[8..12]), etcd and the overlay (15..18).
template <typename Get>
void readPlatformOptions(AgentConfig& c, Get&& get, QStringList& problems) {
    c.dataDir = get(kOptions[8]);
    if (c.dataDir.isEmpty()) c.dataDir = QStringLiteral("/var/lib/kontena-agent/") + c.nodeName;
    const QString dns = get(kOptions[9]);
    c.dns.enabled = !isOff(dns);
    const QStringList on{QStringLiteral("on"), QStringLiteral("yes"), QStringLiteral("true"), QStringLiteral("1")};
    if (!dns.isEmpty() && c.dns.enabled && !on.contains(dns.toLower()))
        problems << QStringLiteral("--dns / KONTENA_DNS must be on or off");
    c.dns.address = get(kOptions[10]);
    if (!c.dns.address.isEmpty() && QHostAddress(c.dns.address).protocol() != QAbstractSocket::IPv4Protocol)
        problems << QStringLiteral("--dns-address / KONTENA_DNS_ADDRESS must be an IPv4 address");
    if (const QString port = get(kOptions[11]); !port.isEmpty()) {
        bool ok = false;
        c.dns.port = port.toInt(&ok);
        if (!ok || c.dns.port < 1 || c.dns.port > 65535) problems << QStringLiteral("--dns-port / KONTENA_DNS_PORT must be a port number");
    }
    if (const QString program = get(kOptions[12]); !program.isEmpty()) c.dns.program = program;
    const auto onOff = [&](const Option& o, const char* what, QStringList& errors) {
        const QString v = get(o).toLower();
        if (v.isEmpty() || isOff(v)) return false;
        if (!on.contains(v)) errors << QStringLiteral("%1 must be on or off").arg(QLatin1String(what));
        return on.contains(v);
    };
    c.etcd.enabled = onOff(kOptions[15], "--etcd / KONTENA_ETCD", problems);
    c.etcd.addressPattern = get(kOptions[16]);
    if (!c.etcd.addressPattern.isEmpty() &&
        QHostAddress(QString(c.etcd.addressPattern).replace(QStringLiteral("%n"), QStringLiteral("1"))).protocol() != QAbstractSocket::IPv4Protocol)
        problems << QStringLiteral("--etcd-address / KONTENA_ETCD_ADDRESS must be an IPv4 address with %n for the node number");
    if (const QString program = get(kOptions[17]); !program.isEmpty()) c.etcd.program = program;
    c.overlay.enabled = onOff(kOptions[18], "--overlay / KONTENA_OVERLAY", problems);
    c.privateIp = get(kOptions[19]);
    if (!c.privateIp.isEmpty() && QHostAddress(c.privateIp).protocol() != QAbstractSocket::IPv4Protocol)
        problems << QStringLiteral("--private-ip / KONTENA_PRIVATE_IP must be an IPv4 address");
}

// --time-scale: the platform timings the node keeps itself, scaled as the
// master's (scaledTimings); false for a bad factor.
bool applyTimeScale(AgentTimers& t, const QString& text) {
    bool ok = false;
    const double f = text.toDouble(&ok);
    if (!ok || !(f >= 0.001 && f <= 1000.0)) return false;
    t.timeScale = f;
    const GridSettings scaled = scaledTimings(GridSettings{}, f);
    t.reconnectDelay = [scaled](int attempt) { return Millis(scaled.reconnectDelay(attempt).ms); };
    // The agent's own keepalive notices a silent master as the simulator's agent does.
    t.pingInterval = Millis(scaled.pingInterval.ms);
    t.pingTimeout = Millis(scaled.pingTimeout.ms);
    return true;
}

}  // namespace

QString helpText() {
    QString text = QStringLiteral(
        "Usage: kontena-agent [options]\n\n"
        "Runs the Kontena agent of one node: connects out to the master over a\n"
        "WebSocket, keeps the node's Docker containers converged to the instances\n"
        "the master wants here, restarts crashed and unhealthy containers, and\n"
        "streams container events, logs and statistics to the master.\n\n"
        "Every option can also be given by the environment variable named after it\n"
        "(the option wins).\n\nOptions:\n");
    for (const Option& o : kOptions) {
        text += QStringLiteral("  --%1 <%2>\n      [%3] %4\n")
                    .arg(QLatin1String(o.name), QLatin1String(o.valueName), QLatin1String(o.variable), QLatin1String(o.help));
    }
    text += QStringLiteral(
        "  -h, --help       Show this text.\n"
        "  -v, --version    Show the agent's version.\n\n"
        "Exit status: 0 after SIGTERM/SIGINT, 2 when the master refused the node for\n"
        "a reason retrying cannot fix (bad token, incompatible version, node removed),\n"
        "64 for a usage error, 69 when the Docker Engine cannot be reached at start.\n");
    return text;
}

std::optional<AgentConfig> parseConfig(const QStringList& arguments, const QStringList& env,
                                       QString& message, int& exitCode) {
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("help"));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")}, QStringLiteral("version"));
    parser.addOption(help);
    parser.addOption(version);
    for (const Option& o : kOptions)
        parser.addOption(QCommandLineOption(QString::fromLatin1(o.name), QString::fromLatin1(o.help), QString::fromLatin1(o.valueName)));
    if (!parser.parse(arguments)) {
        message = parser.errorText() + QStringLiteral("\n\n") + helpText();
        exitCode = 64;
        return std::nullopt;
    }
    if (parser.isSet(help)) {
        message = helpText();
        exitCode = 0;
        return std::nullopt;
    }
    if (parser.isSet(version)) {
        message = QStringLiteral("kontena-agent ") + QString::fromLatin1(kAgentVersion) + QLatin1Char('\n');
        exitCode = 0;
        return std::nullopt;
    }
    auto get = [&](const Option& o) {
        const QString name = QString::fromLatin1(o.name);
        return parser.isSet(name) ? parser.value(name) : envValue(env, QString::fromLatin1(o.variable));
    };
    AgentConfig c;
    c.version = QString::fromLatin1(kAgentVersion);
    const QString masterName = QString::fromLatin1(kOptions[0].name);
    const QStringList masters = parser.isSet(masterName) ? parser.values(masterName) : QStringList{get(kOptions[0])};
    for (const QString& m : masters) {
        for (const QString& u : m.split(QLatin1Char(','), Qt::SkipEmptyParts)) c.masterUrls.append(QUrl(u.trimmed()));
    }
    c.masterUrl = c.masterUrls.value(0);
    c.token = get(kOptions[1]);
    const QString mode = get(kOptions[2]).toLower();
    c.nodeToken = mode == QLatin1String("yes") || mode == QLatin1String("true") || mode == QLatin1String("1");
    c.nodeName = get(kOptions[3]);
    if (c.nodeName.isEmpty()) c.nodeName = QHostInfo::localHostName();
    c.nodeId = get(kOptions[4]);
    for (const QString& l : get(kOptions[5]).split(QLatin1Char(','), Qt::SkipEmptyParts)) c.labels.append(l.trimmed());
    if (const QString grid = get(kOptions[6]); !grid.isEmpty()) c.grid = grid;
    c.dockerHost = get(kOptions[7]);
    if (const QString dir = get(kOptions[14]); !dir.isEmpty()) c.stateDir = dir;

    QStringList problems;
    if (const QString interval = get(kOptions[13]); !interval.isEmpty()) {
        bool ok = false;
        const double seconds = interval.toDouble(&ok);
        if (!ok || seconds < 0.1 || seconds > 86400) problems << QStringLiteral("--stats-interval / KONTENA_STATS_INTERVAL must be seconds, 0.1..86400");
        else c.timers.statsInterval = Millis(qint64(seconds * 1000));
    }
    if (const QString scale = get(kOptions[20]); !scale.isEmpty() && !applyTimeScale(c.timers, scale))
        problems << QStringLiteral("--time-scale / KONTENA_AGENT_TIME_SCALE must be a number in [0.001, 1000]");
    readPlatformOptions(c, get, problems);
    for (const QUrl& url : c.masterUrls.isEmpty() ? QList<QUrl>{QUrl()} : c.masterUrls) {
        const QString scheme = url.scheme();
        if (url.isValid() && !url.host().isEmpty() && (scheme == QLatin1String("ws") || scheme == QLatin1String("wss"))) continue;
        problems << QStringLiteral("--master / KONTENA_URI must be a ws:// or wss:// URL (several separated by commas)");
        break;
    }
    if (c.token.isEmpty()) problems << QStringLiteral("--token / KONTENA_TOKEN is required");
    if (!c.dockerHost.isEmpty() && !c.dockerHost.startsWith(QLatin1String("unix://")))
        problems << QStringLiteral("--docker-host / DOCKER_HOST must be unix:///path (TCP engines are not supported)");
    if (!problems.isEmpty()) {
        message = problems.join(QLatin1Char('\n')) + QStringLiteral("\n\nSee kontena-agent --help.\n");
        exitCode = 64;
        return std::nullopt;
    }
    return c;
}

}  // namespace kontena::agentd
