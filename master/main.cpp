// kontena-master: the grid's brain. One port serves the REST API
// (master/API.md) and the agents' WebSockets.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>
#include <QTextStream>
#include <QUrl>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "master/accept_pacer.h"
#include "master/epoll_dispatcher.h"
#include "master/grid_runtime.h"
#include "master/api_server.h"
#include "vault/crypto.h"

namespace {

QString env(const char* name, const QString& fallback = QString()) {
    const QByteArray v = qgetenv(name);
    return v.isEmpty() ? fallback : QString::fromLocal8Bit(v);
}

int fail(const QString& message) {
    std::fprintf(stderr, "kontena-master: %s\n", qPrintable(message));
    return 2;
}

// The vault key file's keyring (null when `path` is empty); an error names the file, never a key.
std::unique_ptr<kontena::vault::Keyring> readVaultKeys(const QString& path, QString* error) {
    if (path.isEmpty()) return nullptr;
    QFile f(path);
    if (f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther)) {
        std::fprintf(stderr, "kontena-master: warning: the vault key file %s is readable by other users (chmod 600 it)\n", qPrintable(path));
    }
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the vault key file ") + path;
        return nullptr;
    }
    QByteArray text = f.readAll();
    auto keys = kontena::vault::Keyring::parse(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
    text.fill('\0');   // no copy of the key text left behind
    if (!keys || keys.value().empty()) {
        *error = QStringLiteral("the vault key file %1 is not valid: %2").arg(path, keys ? QStringLiteral("no key") : QString::fromStdString(keys.error().message));
        return nullptr;
    }
    return std::make_unique<kontena::vault::Keyring>(std::move(keys).value());
}

void addOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "The Kontena master: REST API for the CLI and the admin GUI, and the WebSocket endpoint agents connect to, on one port.\n"
        "Every option can also be given by the environment variable in brackets."));
    p.addHelpOption();
    p.addVersionOption();
    p.addOption({QStringLiteral("listen"), QStringLiteral("Address and port to listen on [KONTENA_MASTER_LISTEN] (default 127.0.0.1:9292)."), QStringLiteral("HOST:PORT")});
    p.addOption({QStringLiteral("data-dir"), QStringLiteral("Where the store lives [KONTENA_MASTER_DATA] (default ./kontena-master-data)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("store"), QStringLiteral("The store: a PostgreSQL database postgresql://USER[:PASSWORD]@HOST:PORT/DB (several masters share it; "
                                                         "one leads each grid) [KONTENA_MASTER_STORE]; default SQLite in --data-dir."), QStringLiteral("URL")});
    p.addOption({QStringLiteral("advertise"), QStringLiteral("With a PostgreSQL store: this master's URL for clients and agents, where followers send them "
                                                             "[KONTENA_MASTER_ADVERTISE] (default http(s)://the --listen address)."), QStringLiteral("URL")});
    p.addOption({QStringLiteral("lease"), QStringLiteral("With a PostgreSQL store: seconds a grid's leader holds its lease without renewing; a master takes "
                                                         "over a grid within this after its leader died [KONTENA_MASTER_LEASE] (default 10)."), QStringLiteral("SECONDS")});
    p.addOption({QStringLiteral("tls-cert"), QStringLiteral("PEM certificate: serve HTTPS and WSS [KONTENA_MASTER_TLS_CERT]."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("tls-key"), QStringLiteral("PEM private key of --tls-cert [KONTENA_MASTER_TLS_KEY]."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("allow-insecure"), QStringLiteral("Allow plain HTTP on an address other than loopback [KONTENA_MASTER_ALLOW_INSECURE=1].")});
    p.addOption({QStringLiteral("log-level"), QStringLiteral("debug, info, warning or error [KONTENA_MASTER_LOG_LEVEL] (default info)."), QStringLiteral("LEVEL")});
    p.addOption({QStringLiteral("vault-key-file"), QStringLiteral("The vault's master key file, lines VERSION:BASE64 [KONTENA_VAULT_KEY_FILE]; without it the vault routes answer 503."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("time-scale"), QStringLiteral("Multiply the platform's own timings (re-scheduler pass, deploy waits, backoffs...) by F, for rehearsals on real hosts at a scenario's speed; grid settings set through the API are taken as given [KONTENA_MASTER_TIME_SCALE] (default 1)."), QStringLiteral("F")});
    p.addOption({QStringLiteral("rehearsal-seed"), QStringLiteral("Rehearsals on real hosts only: every placement decision draws its randomness from N, as `kontena-sim` does with a scenario's seed, and nodes' memory use does not rank them [KONTENA_MASTER_REHEARSAL_SEED]."), QStringLiteral("N")});
    p.addOption({QStringLiteral("generate-vault-key"), QStringLiteral("Print a new vault key line and exit (with --vault-key-file: the file's next version, for rotation).")});
}

// Category rules for `level`; false if it is not a level.
bool setLogLevel(const QString& level) {
    static const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error")};
    if (!levels.contains(level)) return false;
    QString rules = QStringLiteral("kontena.*.debug=") + (level == QLatin1String("debug") ? QStringLiteral("true") : QStringLiteral("false"));
    rules += QStringLiteral("\nkontena.*.info=") + (level == QLatin1String("debug") || level == QLatin1String("info") ? QStringLiteral("true") : QStringLiteral("false"));
    rules += QStringLiteral("\nkontena.*.warning=") + (level != QLatin1String("error") ? QStringLiteral("true") : QStringLiteral("false"));
    QLoggingCategory::setFilterRules(rules);
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{type} %{category}: %{message}"));
    return true;
}

// Loads the PEM certificate and key (RSA or EC) into the master; an error message, or empty.
QString setupTls(kontena::master::Master& master, const QString& cert, const QString& key) {
    QFile cf(cert), kf(key);
    if (!cf.open(QIODevice::ReadOnly)) return QStringLiteral("cannot read ") + cert;
    if (!kf.open(QIODevice::ReadOnly)) return QStringLiteral("cannot read ") + key;
    const QSslCertificate c(&cf, QSsl::Pem);
    const QSslKey k(&kf, QSsl::Rsa, QSsl::Pem);
    const QSslKey ke = k.isNull() ? QSslKey(kf.seek(0) ? kf.readAll() : QByteArray(), QSsl::Ec, QSsl::Pem) : k;
    if (c.isNull() || ke.isNull()) return QStringLiteral("the TLS certificate or key is not valid PEM");
    master.sslSetup(c, ke);
    return {};
}

// --store, --advertise, --lease: a PostgreSQL store makes this one of several masters. An error message, or empty.
// `opt(name, variable, default)`: an option's value (main's).
template <typename Opt>
QString setupStore(kontena::master::Master& master, Opt&& opt, const QString& listenUrl) {
    const QString store = opt("store", "KONTENA_MASTER_STORE", QString());
    const QString advertise = opt("advertise", "KONTENA_MASTER_ADVERTISE", QString());
    const QString lease = opt("lease", "KONTENA_MASTER_LEASE", QStringLiteral("10"));
    if (store.isEmpty()) return {};
    if (!kontena::master::Store::isPostgresUrl(store)) return QStringLiteral("--store must be a postgresql:// URL (SQLite is the default: --data-dir)");
    bool ok = false;
    const double seconds = lease.toDouble(&ok);
    if (!ok || !(seconds >= 0.3 && seconds <= 3600)) return QStringLiteral("--lease must be seconds in [0.3, 3600]");
    const QUrl url(advertise.isEmpty() ? listenUrl : advertise);
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return QStringLiteral("--advertise must be an http:// or https:// URL, got ") + url.toString();
    master.setStoreTarget(store);
    master.setCluster({url.toString(QUrl::StripTrailingSlash), std::chrono::milliseconds(qint64(seconds * 1000))});
    return {};
}

// Qt listens with a backlog of 50: 10,000 agents reconnecting at once
// overflow it and the kernel drops their handshakes, each retried after
// 1, 3, 7... s (bench_master_connections). Listen again, on the same
// server (Qt's HTTP server keeps its connections to it), with the kernel's
// maximum (capped by net.core.somaxconn).
// Accepts are paced (accept_pacer.h): a backlog of thousands taken in one
// turn held every connected agent up for over a second.
// The port bound (0: none).
constexpr int kAcceptsPerTurn = 32;
quint16 listenWithBacklog(kontena::master::Master& master, const QHostAddress& address, quint16 port) {
    const quint16 bound = master.listen(address, port);
    if (!bound) return 0;
    for (QTcpServer* server : master.servers()) {
        server->close();
        server->setListenBacklogSize(65535);
        if (!server->listen(address, bound)) return 0;
        kontena::master::paceAccepts(server, kAcceptsPerTurn);
    }
    return bound;
}

// The main thread's event loop runs on epoll (master/epoll_dispatcher.h):
// Qt's dispatchers poll every socket on every turn, a third of the
// master's time at 10,000 agents. KONTENA_MASTER_EVENT_LOOP=qt keeps Qt's.
// Other threads get Qt's UNIX dispatcher, not GLib's: GLib's finds a socket
// notifier by a linear search (notes/open-ends.md); an empty QT_NO_GLIB
// (set, but to nothing) keeps GLib's. Before QCoreApplication exists.
void chooseEventLoop() {
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB")) qputenv("QT_NO_GLIB", "1");
    if (qgetenv("KONTENA_MASTER_EVENT_LOOP") != "qt" && !kontena::master::installEpollDispatcher()) {
        std::fprintf(stderr, "kontena-master: warning: epoll refused (%s); running on Qt's event loop\n", std::strerror(errno));
    }
}

}  // namespace

int main(int argc, char** argv) {
    chooseEventLoop();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("kontena-master"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser p;
    addOptions(p);
    p.process(app);

    auto opt = [&](const char* name, const char* var, const QString& dflt = QString()) {
        return p.isSet(QString::fromLatin1(name)) ? p.value(QString::fromLatin1(name)) : env(var, dflt);
    };
    QString keyError;
    const QString keyFile = opt("vault-key-file", "KONTENA_VAULT_KEY_FILE");
    auto vaultKeys = readVaultKeys(keyFile, &keyError);
    if (!keyError.isEmpty()) return fail(keyError);
    if (p.isSet(QStringLiteral("generate-vault-key"))) {
        const std::uint32_t version = vaultKeys ? vaultKeys->currentVersion() + 1 : 1;
        std::printf("%s\n", kontena::vault::Keyring::generateLine(version).c_str());
        return 0;
    }
    const QString level = opt("log-level", "KONTENA_MASTER_LOG_LEVEL", QStringLiteral("info"));
    if (!setLogLevel(level)) return fail(QStringLiteral("--log-level must be one of debug, info, warning, error"));

    const QString listen = opt("listen", "KONTENA_MASTER_LISTEN", QStringLiteral("127.0.0.1:9292"));
    const qsizetype colon = listen.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const int port = colon > 0 ? listen.mid(colon + 1).toInt(&portOk) : 0;
    QHostAddress address(colon > 0 ? listen.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']')) : QString());
    if (!portOk || port < 0 || port > 65535 || address.isNull()) return fail(QStringLiteral("--listen must be HOST:PORT with an IP address, got ") + listen);

    const QString cert = opt("tls-cert", "KONTENA_MASTER_TLS_CERT"), key = opt("tls-key", "KONTENA_MASTER_TLS_KEY");
    const bool insecureAllowed = p.isSet(QStringLiteral("allow-insecure")) || env("KONTENA_MASTER_ALLOW_INSECURE") == QLatin1String("1");
    if (cert.isEmpty() != key.isEmpty()) return fail(QStringLiteral("give both --tls-cert and --tls-key, or neither"));
    if (cert.isEmpty() && !address.isLoopback() && !insecureAllowed) {
        return fail(QStringLiteral("refusing plain HTTP on %1: give --tls-cert/--tls-key, or --allow-insecure").arg(address.toString()));
    }

    bool scaleOk = false;
    const double timeScale = opt("time-scale", "KONTENA_MASTER_TIME_SCALE", QStringLiteral("1")).toDouble(&scaleOk);
    if (!scaleOk || !(timeScale >= 0.001 && timeScale <= 1000.0)) return fail(QStringLiteral("--time-scale must be a number in [0.001, 1000]"));
    kontena::master::GridRuntime::setTimeScale(timeScale);
    if (const QString seed = opt("rehearsal-seed", "KONTENA_MASTER_REHEARSAL_SEED"); !seed.isEmpty()) {
        bool seedOk = false;
        const qulonglong n = seed.toULongLong(&seedOk);
        if (!seedOk) return fail(QStringLiteral("--rehearsal-seed must be a whole number"));
        kontena::master::GridRuntime::setRehearsalSeed(n);
    }

    kontena::master::Master master;
    master.setVaultKeys(std::move(vaultKeys));
    const QString why = setupStore(master, opt, (cert.isEmpty() ? QStringLiteral("http://") : QStringLiteral("https://")) + listen);
    if (!why.isEmpty()) return fail(why);
    QString adminCode, error;
    const QString dataDir = opt("data-dir", "KONTENA_MASTER_DATA", QStringLiteral("kontena-master-data"));
    if (!master.open(dataDir, env("INITIAL_ADMIN_CODE"), &adminCode, &error)) return fail(error);
    if (!cert.isEmpty()) {
        if (const QString why = setupTls(master, cert, key); !why.isEmpty()) return fail(why);
    }
    const quint16 bound = listenWithBacklog(master, address, static_cast<quint16>(port));
    if (!bound) return fail(QStringLiteral("cannot listen on ") + listen);
    QTextStream out(stdout);
    const QString scheme = cert.isEmpty() ? QStringLiteral("http") : QStringLiteral("https");
    out << "kontena-master listening on " << scheme << "://" << address.toString() << ':' << bound << " (agents: "
        << (cert.isEmpty() ? "ws" : "wss") << "://" << address.toString() << ':' << bound << "/)" << Qt::endl;
    if (!adminCode.isEmpty()) {
        out << "initial admin code (shown once, exchange it with `kontena master login --code CODE URL`): " << adminCode << Qt::endl;
    }
    return app.exec();
}
