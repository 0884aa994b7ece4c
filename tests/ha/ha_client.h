#pragma once
// A REST client for several masters, as an operator's script would be:
// follows a follower's 307 to the leader (with the same method, body and
// token), and moves on to the next master when one does not answer or
// answers 503 (no leader yet). It counts the redirects it followed.

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>
#include <QTimer>

namespace kontena::testing {

class HaClient {
public:
    struct Answer {
        int status = 0;   // 0: no master answered in time
        QJsonObject body;
        QString by;       // the URL of the master that answered
    };

    QStringList masters;   // http://127.0.0.1:PORT each
    QString token;
    int redirects = 0;

    // One request to one URL (no retries); status 0 when nothing answered.
    Answer once(const QByteArray& method, const QString& url, const QByteArray& body, QByteArray* location = nullptr) {
        QNetworkRequest req{QUrl(url)};
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        req.setTransferTimeout(3000);
        if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        QNetworkReply* reply = net_.sendCustomRequest(req, method, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        Answer a{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), QJsonDocument::fromJson(reply->readAll()).object(), url};
        if (location) *location = reply->rawHeader("Location");
        reply->deleteLater();
        return a;
    }

    // `path` on masters[first] and on; within `ms` in all.
    Answer send(const QByteArray& method, const QString& path, const QJsonObject& body = {}, int first = 0, int ms = 15000) {
        const QByteArray data = body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
        QElapsedTimer t;
        t.start();
        int at = first;
        QString url = masters.value(at) + path;
        while (t.elapsed() < ms) {
            QByteArray location;
            const Answer a = once(method, url, data, &location);
            if (a.status == 307 && !location.isEmpty()) {
                ++redirects;
                url = QString::fromUtf8(location);
                continue;
            }
            if (a.status != 0 && a.status != 503) return a;
            at = (at + 1) % int(masters.size());
            url = masters.value(at) + path;
            QThread::msleep(100);
        }
        return {};
    }

private:
    QNetworkAccessManager net_;
};

}  // namespace kontena::testing
