#pragma once
// A pass-through between an agent and its private dockerd that keeps a copy
// of every request byte the agent sent: a test reads the headers the agent
// really gave the engine (X-Registry-Auth on a pull) without a registry.
// It runs in its own thread: the test blocks in QProcess::waitForFinished
// while the CLI runs, and the agent must reach its engine meanwhile.

#include <QLocalServer>
#include <QLocalSocket>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>

class DockerProxy {
public:
    DockerProxy(QString listenPath, QString enginePath) : listenPath_(std::move(listenPath)), enginePath_(std::move(enginePath)) {}
    ~DockerProxy() {
        if (context_) QMetaObject::invokeMethod(context_, [c = context_] { delete c; }, Qt::BlockingQueuedConnection);
        thread_.quit();
        thread_.wait();
    }
    DockerProxy(const DockerProxy&) = delete;
    DockerProxy& operator=(const DockerProxy&) = delete;

    // Listens on listenPath; false when it cannot.
    bool start() {
        thread_.start();
        context_ = new QObject;
        context_->moveToThread(&thread_);
        bool ok = false;
        QMetaObject::invokeMethod(context_, [this, &ok] { ok = listen(); }, Qt::BlockingQueuedConnection);
        return ok;
    }
    QString dockerHost() const { return QStringLiteral("unix://") + listenPath_; }
    // Everything the agent sent so far.
    QByteArray requests() const {
        QMutexLocker lock(&mutex_);
        return requests_;
    }

private:
    bool listen() {
        auto* server = new QLocalServer(context_);
        QLocalServer::removeServer(listenPath_);
        if (!server->listen(listenPath_)) return false;
        QObject::connect(server, &QLocalServer::newConnection, context_, [this, server] {
            while (QLocalSocket* in = server->nextPendingConnection()) pipe(in);
        });
        return true;
    }
    void pipe(QLocalSocket* in) {
        auto* out = new QLocalSocket(in);
        out->connectToServer(enginePath_);
        if (!out->waitForConnected(5000)) {
            in->deleteLater();
            return;
        }
        QObject::connect(in, &QLocalSocket::readyRead, in, [this, in, out] {
            const QByteArray bytes = in->readAll();
            {
                QMutexLocker lock(&mutex_);
                requests_ += bytes;
            }
            out->write(bytes);
        });
        QObject::connect(out, &QLocalSocket::readyRead, in, [in, out] { in->write(out->readAll()); });
        QObject::connect(out, &QLocalSocket::disconnected, in, [in] { in->disconnectFromServer(); });
        QObject::connect(in, &QLocalSocket::disconnected, in, [in, out] {
            out->disconnectFromServer();
            in->deleteLater();
        });
        if (in->bytesAvailable() > 0) QMetaObject::invokeMethod(in, [in] { emit in->readyRead(); }, Qt::QueuedConnection);
    }

    QString listenPath_, enginePath_;
    QThread thread_;
    QObject* context_ = nullptr;   // lives in thread_; owns the server and the sockets
    mutable QMutex mutex_;
    QByteArray requests_;
};
