#pragma once
// A REST client for tests that drive a master in-process: one request at a
// time, answered as status + JSON object (empty when the body is no object).

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

struct Answer {
    int status = 0;
    QJsonObject body;
    QString error() const { return body.value(QStringLiteral("error")).toString(); }
};

class ApiClient {
public:
    QString url;   // "http://127.0.0.1:PORT"

    Answer send(const QByteArray& method, const QString& path, const QString& token, const QByteArray& body = {}) {
        QNetworkRequest req(QUrl(url + path));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        QNetworkReply* reply = net_.sendCustomRequest(req, method, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        Answer a{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), QJsonDocument::fromJson(reply->readAll()).object()};
        reply->deleteLater();
        return a;
    }
    Answer send(const QByteArray& method, const QString& path, const QString& token, const QJsonObject& body) {
        return send(method, path, token, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }

private:
    QNetworkAccessManager net_;
};
