#include "cli/stack_source.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>
#include <QUrl>

#include "stacks/sources.h"

namespace kontena::cli {

namespace {

constexpr qint64 kMaxFileBytes = 16 << 20;   // as DiskFiles
constexpr int kDefaultTimeoutMs = 30000;

bool isUrl(const QString& text) {
    return text.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) || text.startsWith(QLatin1String("https://"), Qt::CaseInsensitive);
}

// What became of one GET.
struct Answer {
    std::optional<QByteArray> body;
    QString error;
};

// Follows `reply` until it finished, the timeout passed or it grew over the limit.
Answer await(QNetworkReply* reply, const QString& url, int timeoutMs) {
    bool timedOut = false, tooLarge = false;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, reply, [&] {
        timedOut = true;
        reply->abort();
    });
    QObject::connect(reply, &QNetworkReply::downloadProgress, reply, [&](qint64 received, qint64 total) {
        if (received > kMaxFileBytes || total > kMaxFileBytes) {
            tooLarge = true;
            reply->abort();
        }
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished()) loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString get = QStringLiteral("GET ") + url + QStringLiteral(": ");
    if (tooLarge) return {std::nullopt, get + QStringLiteral("larger than 16 MiB, not read")};
    if (timedOut) return {std::nullopt, get + QStringLiteral("no answer within %1 s").arg(timeoutMs / 1000.0)};
    if (status == 0) {
        return {std::nullopt, get + QStringLiteral("cannot reach %1: %2").arg(reply->url().authority(), reply->errorString())};
    }
    if (status < 200 || status > 299) {
        const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        return {std::nullopt, get + QStringLiteral("HTTP %1%2").arg(status).arg(reason.isEmpty() ? QString() : QString(QLatin1Char(' ') + reason))};
    }
    const QByteArray body = reply->readAll();
    if (body.size() > kMaxFileBytes) return {std::nullopt, get + QStringLiteral("larger than 16 MiB, not read")};
    return {body, QString()};
}

// The registry's path of `user/stack[:version]` (Kontena's StacksClient#path_to).
QString registryPath(const QString& ref) {
    const qsizetype colon = ref.indexOf(u':');
    const QString name = colon < 0 ? ref : ref.left(colon);
    const QString user = name.section(u'/', 0, 0), stack = name.section(u'/', 1);
    QString path = QStringLiteral("/stack/") + QString::fromLatin1(QUrl::toPercentEncoding(user)) + u'/' +
                   QString::fromLatin1(QUrl::toPercentEncoding(stack));
    if (colon >= 0) path += QStringLiteral("/version/") + QString::fromLatin1(QUrl::toPercentEncoding(ref.mid(colon + 1)));
    return path;
}

}  // namespace

bool isRegistryReference(const QString& text) {
    static const QRegularExpression rule(QStringLiteral("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(:.*)?$"));
    return rule.match(text).hasMatch();
}

StackSources::StackSources(const QString& registry, int timeoutMs) : registry_(registry), timeoutMs_(timeoutMs) {
    while (registry_.endsWith(u'/')) registry_.chop(1);
}

QString StackSources::registryFrom(const QString& option) {
    return option.isEmpty() ? qEnvironmentVariable("KONTENA_STACK_REGISTRY") : option;
}

int StackSources::timeoutFromEnvironment() {
    bool ok = false;
    const double seconds = qEnvironmentVariable("KONTENA_STACK_FETCH_TIMEOUT").toDouble(&ok);
    return ok && seconds > 0 && seconds < 86400 ? static_cast<int>(seconds * 1000) : kDefaultTimeoutMs;
}

void StackSources::fail(const QString& why) {
    if (!errors_.contains(why)) errors_.append(why);
}

std::optional<std::string> StackSources::get(const QString& url, const QByteArray& accept) {
    QNetworkRequest req{QUrl(url)};
    req.setRawHeader("Accept", accept);
    req.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("kontena-cli/0.1.0"));
    QNetworkReply* reply = nam_.get(req);
    const Answer a = await(reply, url, timeoutMs_);
    reply->deleteLater();
    if (!a.body) {
        fail(a.error);
        return std::nullopt;
    }
    return a.body->toStdString();
}

std::optional<std::string> StackSources::readTop(const QString& given, QString* location) {
    if (given.contains(QLatin1String("://"))) {
        const QUrl url(given);
        if (!url.isValid() || !isUrl(given) || url.host().isEmpty()) {
            fail(given + QStringLiteral(": not an http:// or https:// URL"));
            return std::nullopt;
        }
        remote_ = true;
        top_ = *location = url.adjusted(QUrl::NormalizePathSegments).toString();
        return get(top_, "application/yaml, text/yaml, text/plain, */*");
    }
    if (!QFileInfo::exists(given) && isRegistryReference(given) && !given.startsWith(u'.') && !given.endsWith(QLatin1String(".yml")) &&
        !given.endsWith(QLatin1String(".yaml"))) {
        if (registry_.isEmpty()) {
            fail(given + QStringLiteral(": a stack registry reference, and no stack registry is configured (give --registry URL or set "
                                        "KONTENA_STACK_REGISTRY)"));
            return std::nullopt;
        }
        remote_ = true;
        top_ = *location = registry_ + registryPath(given);
        return get(top_, "application/yaml");
    }
    top_ = *location = given;
    auto text = disk_.read(given.toStdString());
    if (!text) fail(given + QStringLiteral(": cannot read the file"));
    return text;
}

// A path the loader made from the top URL: "<top dir>/<relative path>".
std::optional<std::string> StackSources::readRemote(const QString& path) {
    const QString dir = QString::fromStdString(stacks::directoryOf(top_.toStdString())) + u'/';
    if (!path.startsWith(dir)) {   // an absolute path: never the local disk for a file from a URL
        fail(QStringLiteral("%1: a stack file from %2 reads only files beside it").arg(path, top_));
        return std::nullopt;
    }
    return get(QUrl(path).adjusted(QUrl::NormalizePathSegments).toString(), "*/*");
}

std::optional<std::string> StackSources::read(const std::string& path) {
    const QString key = QString::fromStdString(path);
    if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
    std::optional<std::string> text = remote_ ? readRemote(key) : disk_.read(path);
    cache_[key] = text;
    return text;
}

std::optional<std::string> StackSources::fetch(const std::string& ref) {
    const QString r = QString::fromStdString(ref);
    if (const auto it = registryRead_.find(r); it != registryRead_.end()) return it->second;
    if (registry_.isEmpty()) {
        fail(r + QStringLiteral(": a stack registry reference, and no stack registry is configured (give --registry URL or set "
                                "KONTENA_STACK_REGISTRY)"));
        return std::nullopt;
    }
    auto text = get(registry_ + registryPath(r), "application/yaml");
    if (text) registryRead_[r] = *text;
    return text;
}

QJsonObject StackSources::requestFiles() const {
    QJsonObject out;
    const QString remoteDir = QString::fromStdString(stacks::directoryOf(top_.toStdString())) + u'/';
    const QDir localDir = QFileInfo(top_).absoluteDir();
    const QString localTop = QFileInfo(top_).absoluteFilePath();
    for (const auto& [path, text] : cache_) {
        if (!text) continue;
        QString relative;
        if (remote_) {
            relative = path.mid(remoteDir.size());
        } else {
            const QString abs = QFileInfo(path).absoluteFilePath();
            if (abs == localTop) continue;
            relative = localDir.relativeFilePath(abs);
        }
        out.insert(QDir::cleanPath(relative), QString::fromStdString(*text));
    }
    for (const auto& [ref, text] : registryRead_) out.insert(QStringLiteral("registry:") + ref, QString::fromStdString(text));
    return out;
}

}  // namespace kontena::cli
