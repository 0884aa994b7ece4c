// The load balancer: Kontena's rules rendered into HAProxy 2.6 text (pure),
// every rendered config accepted by the real `haproxy -c`, and a real
// HAProxy in front of busybox httpd upstreams on loopback: virtual hosts
// and paths route, a prefix is stripped, an invalid config is refused while
// the old one keeps serving, and a reload drops a removed upstream.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "lb/haproxy_config.h"
#include "lb/haproxy_process.h"
#include "lb/lb_model.h"

using namespace kontena::lb;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

HttpBackend http(const std::string& name, std::vector<std::string> env, std::vector<Upstream> ups = {}) {
    return std::get<HttpBackend>(backendFromEnv(name, env, std::move(ups)));
}

int freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// GET with a Host header (and basic auth "user:password"); the status
// line's code and the body ("" on failure).
std::pair<int, QByteArray> get(int port, const QByteArray& host, const QByteArray& path, const QByteArray& auth = {}) {
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, static_cast<quint16>(port));
    if (!s.waitForConnected(2000)) return {0, {}};
    s.write("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n" +
            (auth.isEmpty() ? QByteArray() : "Authorization: Basic " + auth.toBase64() + "\r\n") + "\r\n");
    QByteArray all;
    while (s.waitForReadyRead(2000)) all += s.readAll();
    all += s.readAll();
    const int code = all.mid(9, 3).toInt();
    const auto body = all.indexOf("\r\n\r\n");
    return {code, body < 0 ? QByteArray() : all.mid(body + 4)};
}

// busybox httpd serving `text` at /index.html and /x/index.html.
struct Upstreams {
    QTemporaryDir dir;
    std::vector<std::unique_ptr<QProcess>> procs;
    Upstream add(const QString& name, const QByteArray& text) {
        const QString root = dir.path() + QLatin1Char('/') + name;
        QDir().mkpath(root + QStringLiteral("/x"));
        for (const QString& f : {QString(root + QStringLiteral("/index.html")), QString(root + QStringLiteral("/x/index.html"))}) {
            QFile file(f);
            file.open(QIODevice::WriteOnly);
            file.write(text + (f.endsWith(QStringLiteral("/x/index.html")) ? QByteArray(" x") : QByteArray()));
        }
        const int port = freePort();
        auto p = std::make_unique<QProcess>();
        p->start(QStringLiteral("busybox"), {QStringLiteral("httpd"), QStringLiteral("-f"), QStringLiteral("-p"),
                                              QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("-h"), root});
        p->waitForStarted(3000);
        procs.push_back(std::move(p));
        return Upstream{name.toStdString(), "127.0.0.1:" + std::to_string(port)};
    }
    ~Upstreams() {
        for (auto& p : procs) {
            p->kill();
            p->waitForFinished(2000);
        }
    }
};

bool waitFor(int port, const QByteArray& host, const QByteArray& path, const QByteArray& body, int ms = 3000) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (get(port, host, path).second.trimmed() == body) return true;
        QTest::qWait(50);
    }
    return false;
}

}  // namespace

class TstLb : public QObject {
    Q_OBJECT
private slots:
    void whatIsALoadBalancer() {
        kontena::ServiceSpec s;
        for (const char* image : {"kontena/lb", "kontena/lb:latest", "kontena/lb:1.2", "registry.example.com:5000/kontena/lb:2"}) {
            s.image = image;
            QVERIFY2(isLoadBalancer(s), image);
        }
        for (const char* image : {"nginx", "kontena/lbx", "mykontena/lb", "kontena/lb-tools:1", "localhost:5000/lb"}) {
            s.image = image;
            QVERIFY2(!isLoadBalancer(s), image);
        }
        s.env = {"KONTENA_SERVICE_ROLE=lb"};
        QVERIFY(isLoadBalancer(s));   // any image with the role
    }

    void linkedLoadBalancerIsTheFirstLinkToAnLb() {
        kontena::ServiceSpec lb, db, web, other;
        lb.stack = "shop", lb.name = "lb", lb.image = "kontena/lb";
        db.stack = "shop", db.name = "db", db.image = "mariadb";
        other.stack = "infra", other.name = "lb", other.image = "kontena/lb:1";
        web.stack = "shop", web.name = "web";
        const std::map<std::string, const kontena::ServiceSpec*> specs{{"shop/lb", &lb}, {"shop/db", &db}, {"infra/lb", &other}};
        const auto lookup = [&](const std::string& key) -> const kontena::ServiceSpec* {
            auto it = specs.find(key);
            return it == specs.end() ? nullptr : it->second;
        };
        QVERIFY(!linkedLoadBalancer(web, lookup));
        web.links = {{"", "db", "db"}, {"infra", "lb", "lb"}, {"", "lb", "lb"}};
        QCOMPARE(*linkedLoadBalancer(web, lookup), std::string("infra/lb"));   // the first LB; db is not one
        web.links = {{"", "lb", "lb"}};
        QCOMPARE(*linkedLoadBalancer(web, lookup), std::string("shop/lb"));
        web.links = {{"", "missing", "missing"}};
        QVERIFY(!linkedLoadBalancer(web, lookup));
    }

    void backendsAreHealthyRunningInstances() {
        kontena::HealthCheck hc;
        hc.protocol = "http", hc.port = 8081, hc.uri = "/health";
        const std::vector<LinkedService> linked{
            {"shop", "web", {"KONTENA_LB_INTERNAL_PORT=8080", "KONTENA_LB_VIRTUAL_HOSTS=a.test"}, hc,
             {{"shop.web-3", "127.0.10.3", true, false},
              {"shop.web-1", "127.0.10.1", true, false},
              {"shop.web-2", "127.0.10.2", true, true},     // unhealthy
              {"shop.web-4", "127.0.10.4", false, false},   // not running
              {"shop.web-5", "", true, false}}},          // no address from this node
            {"null", "api", {"KONTENA_LB_MODE=tcp", "KONTENA_LB_EXTERNAL_PORT=6000"}, std::nullopt, {{"api-1", "127.0.10.9", true, false}}}};
        const auto backends = backendsFor(linked);
        QCOMPARE(backends.size(), std::size_t(2));
        const auto& tcp = std::get<TcpService>(backends[0]);   // "api" sorts first
        QCOMPARE(tcp.upstreams.size(), std::size_t(1));
        QCOMPARE(tcp.upstreams[0].address, std::string("127.0.10.9:80"));   // default internal port
        const auto& web = std::get<HttpBackend>(backends[1]);
        QCOMPARE(web.name, std::string("shop-web"));
        QCOMPARE(web.upstreams.size(), std::size_t(2));
        QCOMPARE(web.upstreams[0].name, std::string("shop.web-1"));
        QCOMPARE(web.upstreams[1].address, std::string("127.0.10.3:8080"));
        QCOMPARE(web.healthCheckUri, std::string("/health"));
        QCOMPARE(web.healthCheckPort, 8081);
        LbConfig c;
        c.backends = backends;
        const std::string text = render(c);
        QVERIFY(contains(text, "option httpchk GET /health"));
        QVERIFY(contains(text, "server shop.web-1 127.0.10.1:8080 check port 8081"));
    }

    void publishedPortsBindOnTheNode() {
        const auto binds = publishedBinds({{"0.0.0.0", 8080, 80, "tcp"}, {"127.0.0.1", 8443, 443, "tcp"}, {"0.0.0.0", 5353, 53, "udp"}});
        QCOMPARE(binds.size(), std::size_t(2));   // udp is not HAProxy's
        LbConfig c;
        c.settings.bindAddress = loopbackAddress("shop.lb-1");
        c.settings.published = binds;
        c.settings.certificates = {"/x/cert1_gen.pem"};
        c.backends.push_back(http("web", {}));
        const std::string text = render(c);
        QVERIFY(contains(text, "    bind " + c.settings.bindAddress + ":80\n    bind 0.0.0.0:8080\n"));
        QVERIFY(contains(text, "    bind 127.0.0.1:8443 ssl crt /x/cert1_gen.pem alpn h2,http/1.1\n"));
        QVERIFY(contains(text, "listen stats\n    bind " + c.settings.bindAddress + ":1000\n    mode http"));
        // Stable, in 127.64.0.0/10, different per instance.
        QCOMPARE(loopbackAddress("shop.lb-1"), loopbackAddress("shop.lb-1"));
        QVERIFY(loopbackAddress("shop.lb-1") != loopbackAddress("shop.lb-2"));
        const QStringList parts = QString::fromStdString(loopbackAddress("shop.lb-2")).split(QLatin1Char('.'));
        QCOMPARE(parts.size(), 4);
        QCOMPARE(parts[0], QStringLiteral("127"));
        QVERIFY(parts[1].toInt() >= 64 && parts[1].toInt() < 128);
        QVERIFY(parts[3].toInt() >= 1 && parts[3].toInt() <= 254);
    }

    void sslCertsSplitIntoBundles() {
        const std::string one = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nK1\n-----END PRIVATE KEY-----\n";
        const std::string two = "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nCHAIN\n"
                                "-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\nK2\n-----END RSA PRIVATE KEY-----\n";
        const auto bundles = splitCertificates(one + "\n" + two + "garbage without a key\n");
        QCOMPARE(bundles.size(), std::size_t(2));
        QCOMPARE(bundles[0], one);
        QCOMPARE(bundles[1], two);
        QVERIFY(splitCertificates("-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n").empty());   // no certificate
        QVERIFY(splitCertificates("").empty());
    }

    void backendSettingsFromEnv() {
        const HttpBackend plain = http("web", {});
        QCOMPARE(plain.virtualPaths, (std::vector<std::string>{"/"}));   // neither hosts nor paths: "/"
        QCOMPARE(plain.balance, std::string("roundrobin"));
        QVERIFY(!plain.cookie);
        const HttpBackend full = http("shop-web", {"KONTENA_LB_VIRTUAL_HOSTS=a.com, *.b.com", "KONTENA_LB_VIRTUAL_PATH=/api",
                                                   "KONTENA_LB_KEEP_VIRTUAL_PATH=true", "KONTENA_LB_COOKIE=", "KONTENA_LB_BALANCE=leastconn"});
        QCOMPARE(full.virtualHosts, (std::vector<std::string>{"a.com", "*.b.com"}));
        QVERIFY(full.keepVirtualPath);
        QVERIFY(full.cookie && full.cookie->empty());   // set but empty: Kontena's default cookie line
        QCOMPARE(full.balance, std::string("leastconn"));
        const Backend tcp = backendFromEnv("db", {"KONTENA_LB_MODE=tcp", "KONTENA_LB_EXTERNAL_PORT=5432"}, {});
        QCOMPARE(std::get<TcpService>(tcp).externalPort, 5432);
        QCOMPARE(std::get<TcpService>(backendFromEnv("x", {"KONTENA_LB_MODE=udp"}, {})).externalPort, 5000);   // not http: tcp
        QCOMPARE(backendName("null", "web"), std::string("web"));
        QCOMPARE(backendName("shop", "web"), std::string("shop-web"));
        const LbSettings s = settingsFromEnv({"KONTENA_LB_HTTP2=false", "STATS_PASSWORD=pw", "KONTENA_LB_HEALTH_URI=/health"}, {});
        QVERIFY(!s.http2);
        QCOMPARE(s.statsPassword, std::string("pw"));
        QCOMPARE(s.healthUri, std::string("/health"));
        QCOMPARE(maxconnFor(20000), 7800);
        QCOMPARE(maxconnFor(1048576), 100000);
        QCOMPARE(maxconnFor(100), 256);
    }

    void renderingFollowsKontenasRules() {
        LbConfig c;
        c.backends.push_back(http("zeta", {"KONTENA_LB_VIRTUAL_PATH=/z"}, {{"z-2", "127.81.128.3:80"}, {"z-1", "127.81.128.2:80"}}));
        c.backends.push_back(http("alpha", {"KONTENA_LB_VIRTUAL_HOSTS=*.example.com,example.com", "KONTENA_LB_VIRTUAL_PATH=/api"}));
        c.backends.push_back(http("beta", {"KONTENA_LB_VIRTUAL_HOSTS=b.com", "KONTENA_LB_COOKIE=",
                                           "KONTENA_LB_BASIC_AUTH_SECRETS=user admin insecure-password pw",
                                           "KONTENA_LB_CUSTOM_SETTINGS=timeout server 2m\nhttp-response set-header X-B 1"},
                              {{"b-1", "127.81.128.9:8080"}}));
        c.backends.push_back(backendFromEnv("db", {"KONTENA_LB_MODE=tcp", "KONTENA_LB_EXTERNAL_PORT=5432"}, {}));   // no upstreams: omitted
        const std::string t = render(c);
        // Precedence: host+path, then host only, then path only.
        const auto hp = t.find("use_backend alpha if host_alpha path_alpha"), h = t.find("use_backend beta if host_beta"),
                   p = t.find("use_backend zeta if path_zeta");
        QVERIFY(hp != std::string::npos && h != std::string::npos && p != std::string::npos);
        QVERIFY(hp < h && h < p);
        QVERIFY(contains(t, "acl host_alpha hdr(host) -i example.com\n"));
        QVERIFY(contains(t, "acl host_alpha hdr_end(host) -i .example.com\n"));
        QVERIFY(contains(t, "http-request replace-path ^/z/?(.*)$ /\\1 if { path_beg /z }"));   // prefix stripped
        QVERIFY(contains(t, "cookie KONTENA_SERVERID insert indirect nocache"));
        QVERIFY(contains(t, "server b-1 127.81.128.9:8080 check cookie b-1"));   // every server checked, as Kontena
        QVERIFY(contains(t, "backend beta\n    option forwardfor\n    timeout server 2m\n"));   // Kontena's order: custom settings first
        QVERIFY(contains(t, "userlist auth_beta\n    user admin insecure-password pw\n"));
        QVERIFY(contains(t, "    timeout server 2m\n    http-response set-header X-B 1\n"));
        QVERIFY(t.find("server z-1") < t.find("server z-2"));   // upstreams sorted
        QVERIFY(t.find("backend alpha") < t.find("backend beta"));
        QVERIFY(!contains(t, "listen db"));
        QVERIFY(contains(t, "http-request auth realm beta if !auth_ok_beta"));
        QVERIFY(!contains(t, "auth_ok_alpha"));   // no secrets, no authentication
        QVERIFY(contains(t, "stats auth stats:secret"));
        QVERIFY(contains(t, "stats refresh 10s\n    stats show-node\n    stats show-legends\n"));   // Kontena's stats page
        QCOMPARE(render(c), t);   // same input, same text
    }

    // KONTENA_LB_BASIC_AUTH_SECRETS: only userlist lines reach the config;
    // anything else is dropped and counted, never quoted.
    void basicAuthSecretsAreUserlistLinesOnly() {
        int dropped = -1;
        const std::string secrets =
            "user admin insecure-password pw\n"
            "  user ops password $6$salt$hash groups g1,g2  \n"
            "# a comment\n"
            "user quoted insecure-password 'two words'\n"
            "group g1\n"
            "group g2 users admin,ops\n"
            "server evil 127.0.0.66:80\n"                    // another keyword: out
            "user half insecure-password\n"                 // no value: out
            "user bad secret-password x\n"                  // not a password keyword: out
            "user more insecure-password a b\n"             // an extra word: out
            "user open insecure-password 'unclosed\n";      // quote not closed: out
        const auto lines = userlistLines(secrets, &dropped);
        QCOMPARE(dropped, 5);
        QCOMPARE(lines, (std::vector<std::string>{"user admin insecure-password pw", "user ops password $6$salt$hash groups g1,g2",
                                                  "user quoted insecure-password 'two words'", "group g1", "group g2 users admin,ops"}));
        LbConfig c;
        c.backends.push_back(http("web", {"KONTENA_LB_VIRTUAL_HOSTS=w.test", "KONTENA_LB_BASIC_AUTH_SECRETS=" + secrets}, {{"w-1", "127.81.128.2:80"}}));
        const std::string t = render(c);
        QVERIFY(!contains(t, "evil") && !contains(t, "secret-password") && !contains(t, "unclosed"));
        QVERIFY(contains(t, "userlist auth_web\n    user admin insecure-password pw\n"));
        QVERIFY(contains(t, "    acl auth_ok_web http_auth(auth_web)\n    http-request auth realm web if !auth_ok_web\n"));
        // Nothing valid: an empty userlist, so every request is refused (never let through).
        LbConfig none;
        none.backends.push_back(http("web", {"KONTENA_LB_BASIC_AUTH_SECRETS=garbage"}, {{"w-1", "127.81.128.2:80"}}));
        const std::string n = render(none);
        QVERIFY(contains(n, "userlist auth_web\n\n") && contains(n, "http-request auth realm web"));
        QVERIFY(!contains(n, "garbage"));
        QTemporaryDir dir;
        for (const std::string& text : {t, n}) {
            QFile f(dir.filePath(QStringLiteral("auth.cfg")));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(QByteArray::fromStdString(text));
            f.close();
            auto ok = checkConfigFile(f.fileName());
            QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        }
    }

    // A service whose KONTENA_LB_* secret the master could not read: no upstreams (503), not an open door.
    void withheldSecretsLeaveNoUpstreams() {
        const std::vector<LinkedService> linked{{"shop", "web", {"KONTENA_LB_VIRTUAL_HOSTS=a.test"}, std::nullopt,
                                                 {{"shop.web-1", "127.81.128.4", true, false}}, true}};
        const auto backends = backendsFor(linked);
        QCOMPARE(backends.size(), std::size_t(1));
        QVERIFY(std::get<HttpBackend>(backends[0]).upstreams.empty());
    }

    void renderedConfigsPassHaproxyCheck() {
        QTemporaryDir dir;
        LbConfig c;
        c.settings.adminSocket = dir.path().toStdString() + "/admin.sock";
        c.backends.push_back(http("a", {"KONTENA_LB_VIRTUAL_HOSTS=*.x.com", "KONTENA_LB_VIRTUAL_PATH=/p,/q/", "KONTENA_LB_COOKIE=",
                                        "KONTENA_LB_BASIC_AUTH_SECRETS=user u insecure-password p", "KONTENA_LB_HEALTH_CHECK_URI=/h",
                                        "KONTENA_LB_HEALTH_CHECK_PORT=81"},
                                 {{"a-1", "127.81.128.2:80"}}));
        c.backends.push_back(backendFromEnv("t", {"KONTENA_LB_MODE=tcp", "KONTENA_LB_EXTERNAL_PORT=6000", "KONTENA_LB_BALANCE=source"},
                                            {{"t-1", "127.81.128.5:6000"}}));
        c.settings.healthUri = "/lb-health";
        c.settings.globalSettings = "nbthread 1";
        c.settings.customSettings = "option forwardfor";
        c.settings.acceptProxy = true;
        QVERIFY(contains(render(c), "listen t\n    mode tcp\n    bind *:6000 accept-proxy\n"));   // tcp binds too, as Kontena
        const QString path = dir.path() + QStringLiteral("/h.cfg");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(render(c)));
        f.close();
        auto ok = checkConfigFile(path);
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        c.backends.push_back(http("bad", {"KONTENA_LB_CUSTOM_SETTINGS=no-such-keyword 1"}));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray::fromStdString(render(c)));
        f.close();
        auto bad = checkConfigFile(path);
        QVERIFY(!bad);
        QVERIFY2(contains(bad.error().message, "no-such-keyword"), bad.error().message.c_str());
    }

    void realHaproxyRoutesAndReloads() {
        Upstreams up;
        const Upstream a1 = up.add(QStringLiteral("a1"), "A1"), b1 = up.add(QStringLiteral("b1"), "B1"),
                       b2 = up.add(QStringLiteral("b2"), "B2");
        QTemporaryDir dir;
        HaproxyProcess proxy(dir.path());
        LbConfig c;
        c.settings.bindAddress = "127.0.0.1";
        c.settings.maxconn = 4096;
        c.settings.httpPort = freePort();
        c.settings.statsPort = freePort();
        c.settings.syslogTarget = "127.0.0.1:1 local1 info";   // nothing listens: logs are dropped
        c.backends.push_back(http("site", {"KONTENA_LB_VIRTUAL_HOSTS=a.test"}, {a1}));
        c.backends.push_back(http("api", {"KONTENA_LB_VIRTUAL_PATH=/api"}, {b1}));
        auto first = proxy.apply(render(c));
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
        QVERIFY(!first.value().reloaded);
        const int port = c.settings.httpPort;
        if (!waitFor(port, "a.test", "/", "A1")) {
            QFile log(dir.path() + QStringLiteral("/haproxy.log")), cfg(dir.path() + QStringLiteral("/haproxy.cfg"));
            log.open(QIODevice::ReadOnly);
            cfg.open(QIODevice::ReadOnly);
            qWarning("%s\n%s\n%d %s", log.readAll().constData(), cfg.readAll().constData(), get(port, "a.test", "/").first,
                     get(port, "a.test", "/").second.constData());
            QFAIL("no answer from the LB");
        }
        QVERIFY(waitFor(port, "a.test:8080", "/", "A1"));               // port stripped from Host
        QVERIFY(waitFor(port, "other", "/api/x/index.html", "B1 x"));   // /api stripped
        QCOMPARE(get(port, "other", "/nothing").first, 503);             // no backend matches

        // An invalid config is refused; the running one keeps serving.
        LbConfig broken = c;
        broken.backends.push_back(http("bad", {"KONTENA_LB_CUSTOM_SETTINGS=no-such-keyword"}));
        QVERIFY(!proxy.apply(render(broken)));
        QVERIFY(waitFor(port, "a.test", "/", "A1"));

        // Scale api to b1+b2, then drop b1: the reload follows each time.
        std::get<HttpBackend>(c.backends[1]).upstreams = {b1, b2};
        QVERIFY(proxy.apply(render(c)).value().reloaded);
        QVERIFY(proxy.waitSettled());
        std::get<HttpBackend>(c.backends[1]).upstreams = {b2};
        QVERIFY(proxy.apply(render(c)).value().reloaded);
        QVERIFY2(proxy.waitSettled(), proxy.masterCommand("show proc").constData());
        for (int i = 0; i < 10; ++i) QCOMPARE(get(port, "other", "/api/").second.trimmed(), QByteArray("B2"));
        QVERIFY(!proxy.apply(render(c)).value().changed);   // same text: nothing done
        QCOMPARE(proxy.reloads(), 2);
    }

    // Basic auth for real: 401 without or with wrong credentials, 200 with
    // the insecure password or the one behind a SHA-512 crypt; the live
    // config (which holds them) is mode 0600.
    void realHaproxyAsksForBasicAuth() {
        Upstreams up;
        const Upstream w1 = up.add(QStringLiteral("w1"), "W1");
        QTemporaryDir dir;
        HaproxyProcess proxy(dir.path());
        LbConfig c;
        c.settings.bindAddress = "127.0.0.1";
        c.settings.maxconn = 4096;
        c.settings.httpPort = freePort();
        c.settings.statsPort = freePort();
        c.settings.syslogTarget = "127.0.0.1:1 local1 info";
        // openssl passwd -6 -salt Kv3xQ9pL 'Heron-Pass-4417'
        const std::string secrets = "user alice insecure-password Wren-Pass-0913\n"
                                    "user bob password $6$Kv3xQ9pL$xcb6GBvC9rFtk8nnxZtJH1SZXLcAWRAEhELDuO2iZQnfY7ZBBVhVMpOAJPgn6Gt4Mvfad/MlARKDeEpX94mKZ1";
        c.backends.push_back(http("web", {"KONTENA_LB_VIRTUAL_HOSTS=w.test", "KONTENA_LB_BASIC_AUTH_SECRETS=" + secrets}, {w1}));
        // ACME http-01 answers (ACME_CHALLENGE_<token> on the LB): served by the LB itself, before any backend.
        c.settings.acmeChallenges =
            settingsFromEnv({"ACME_CHALLENGE_tok-1_A=tok-1_A.thumb-2", "ACME_CHALLENGE_bad=two words", "ACME_CHALLENGE_=x"}, {}).acmeChallenges;
        QCOMPARE(c.settings.acmeChallenges.size(), std::size_t(1));
        auto applied = proxy.apply(render(c));
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        const int port = c.settings.httpPort;
        QTRY_COMPARE_WITH_TIMEOUT(get(port, "w.test", "/").first, 401, 3000);   // no credentials: never the page
        QCOMPARE(get(port, "w.test", "/", "alice:wrong").first, 401);
        QCOMPARE(get(port, "w.test", "/", "mallory:Wren-Pass-0913").first, 401);
        const auto alice = get(port, "w.test", "/", "alice:Wren-Pass-0913");
        QCOMPARE(alice.first, 200);
        QCOMPARE(alice.second.trimmed(), QByteArray("W1"));
        QCOMPARE(get(port, "w.test", "/", "bob:Heron-Pass-4417").first, 200);
        QCOMPARE(get(port, "w.test", "/", "bob:$6$Kv3xQ9pL").first, 401);
        const auto acme = get(port, "w.test", "/.well-known/acme-challenge/tok-1_A");
        QCOMPARE(acme.first, 200);
        QCOMPARE(acme.second, QByteArray("tok-1_A.thumb-2"));
        const QFileInfo cfg(dir.filePath(QStringLiteral("haproxy.cfg")));
        QCOMPARE(cfg.permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser), QFile::Permissions());
    }
};

QTEST_GUILESS_MAIN(TstLb)
#include "tst_lb.moc"
