#pragma once
// A private PostgreSQL server for tests: initdb into a directory of its
// own, postgres on a free 127.0.0.1 port (and its unix socket in that
// directory), stopped with the test. initdb and postgres refuse to run as
// root: as root the test runs them as `nobody` (setpriv), in a directory
// nobody owns. fsync is off: the tests kill masters, never the database.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QTcpServer>
#include <QThread>
#include <QUuid>

#include <algorithm>
#include <memory>

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

namespace kontena::testing {

class PostgresServer {
public:
    ~PostgresServer() { stop(); }

    // The newest installed server's bin directory (/usr/lib/postgresql/N/bin); empty when none.
    static QString binDir() {
        const QDir root(QStringLiteral("/usr/lib/postgresql"));
        QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        std::sort(versions.begin(), versions.end(), [](const QString& a, const QString& b) { return a.toInt() < b.toInt(); });
        for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
            const QString bin = root.filePath(*it + QStringLiteral("/bin"));
            if (QFile::exists(bin + QStringLiteral("/initdb")) && QFile::exists(bin + QStringLiteral("/postgres"))) return bin;
        }
        return {};
    }

    // Makes the cluster in `dir` (created; owned by the server's user) and
    // starts the server. An error message, or empty.
    QString start(const QString& dir) {
        dir_ = dir;
        const QString bin = binDir();
        if (bin.isEmpty()) return QStringLiteral("no PostgreSQL server binaries under /usr/lib/postgresql");
        if (!QDir().mkpath(dir_)) return QStringLiteral("cannot create ") + dir_;
        if (geteuid() == 0) {
            const passwd* nobody = getpwnam("nobody");
            if (!nobody) return QStringLiteral("no user nobody to run PostgreSQL as");
            if (chown(QFile::encodeName(dir_).constData(), nobody->pw_uid, nobody->pw_gid) != 0) return QStringLiteral("cannot chown ") + dir_;
            // Every directory above must let nobody through (a QTemporaryDir is 0700).
            for (QDir up(dir_); up.cdUp() && up.path() != QLatin1String("/");) {
                QFile(up.path()).setPermissions(QFile(up.path()).permissions() | QFileDevice::ExeOther);
            }
        }
        QProcess init;
        init.setProcessChannelMode(QProcess::MergedChannels);
        run(init, bin + QStringLiteral("/initdb"),
            {QStringLiteral("-D"), data(), QStringLiteral("-U"), user(), QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("--no-sync"),
             QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C")});
        if (!init.waitForFinished(60000) || init.exitCode() != 0) return QStringLiteral("initdb failed: ") + QString::fromUtf8(init.readAll());
        port_ = freePort();
        server_ = std::make_unique<QProcess>();
        server_->setProcessChannelMode(QProcess::MergedChannels);
        server_->setStandardOutputFile(dir_ + QStringLiteral("/postgres.log"));
        run(*server_, bin + QStringLiteral("/postgres"),
            {QStringLiteral("-D"), data(), QStringLiteral("-p"), QString::number(port_), QStringLiteral("-k"), dir_, QStringLiteral("-c"),
             QStringLiteral("listen_addresses=127.0.0.1"), QStringLiteral("-c"), QStringLiteral("fsync=off"), QStringLiteral("-c"),
             QStringLiteral("max_connections=50")});
        if (!server_->waitForStarted(5000)) return QStringLiteral("postgres did not start");
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 20000) {
            if (canConnect()) return {};
            if (server_->state() == QProcess::NotRunning) break;
            QThread::msleep(100);
        }
        return QStringLiteral("postgres did not answer: ") + log();
    }

    // Fast shutdown (SIGINT); the directory stays for the test's own removal.
    void stop() {
        if (!server_) return;
        if (server_->state() != QProcess::NotRunning) {
            ::kill(pid_t(server_->processId()), SIGINT);
            if (!server_->waitForFinished(10000)) server_->kill();
            server_->waitForFinished(3000);
        }
        server_.reset();
    }

    QString url() const { return QStringLiteral("postgresql://%1@127.0.0.1:%2/postgres").arg(user()).arg(port_); }
    quint16 port() const { return port_; }
    static QString user() { return QStringLiteral("kontena"); }
    QString log() const {
        QFile f(dir_ + QStringLiteral("/postgres.log"));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).right(3000) : QString();
    }

    // A connection of the test's own (named `name`), for looking into the store.
    QSqlDatabase connect(const QString& name) const {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(port_);
        db.setUserName(user());
        db.setDatabaseName(QStringLiteral("postgres"));
        db.open();
        return db;
    }

private:
    QString data() const { return dir_ + QStringLiteral("/data"); }

    // As nobody when root: setpriv execs the program (the pid is the server's own).
    static void run(QProcess& p, const QString& program, const QStringList& args) {
        if (geteuid() != 0) {
            p.start(program, args);
            return;
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), QStringLiteral("/tmp"));
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(QStringLiteral("/tmp"));
        p.start(QStringLiteral("setpriv"), QStringList{QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"), QStringLiteral("--clear-groups"),
                                                       QStringLiteral("--"), program} + args);
    }

    static quint16 freePort() {
        QTcpServer s;
        s.listen(QHostAddress::LocalHost, 0);
        return s.serverPort();
    }

    bool canConnect() const {
        const QString name = QStringLiteral("probe-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
        bool ok = false;
        {
            QSqlDatabase db = connect(name);
            ok = db.isOpen();
        }
        QSqlDatabase::removeDatabase(name);
        return ok;
    }

    QString dir_;
    quint16 port_ = 0;
    std::unique_ptr<QProcess> server_;
};

}  // namespace kontena::testing
