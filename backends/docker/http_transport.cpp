#include "backends/docker/http_transport.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>


namespace kontena::docker {

namespace {

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One request's curl settings; owns the header list for the call's lifetime.
class CurlCall {
public:
    CurlCall(CURL* handle, const QByteArray& socketPath, const HttpRequest& req)
        : handle_(handle), url_("http://localhost" + req.path) {
        errorBuffer_[0] = '\0';
        curl_easy_setopt(handle_, CURLOPT_UNIX_SOCKET_PATH, socketPath.constData());
        curl_easy_setopt(handle_, CURLOPT_URL, url_.constData());
        curl_easy_setopt(handle_, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, errorBuffer_);
        if (req.timeout.count() > 0)
            curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
        setMethod(req);
        headers_ = curl_slist_append(headers_, "Expect:");
        if (!req.body.isEmpty()) {
            contentType_ = "Content-Type: " + req.contentType;
            headers_ = curl_slist_append(headers_, contentType_.constData());
        }
        for (const QByteArray& h : req.headers)
            headers_ = curl_slist_append(headers_, h.constData());   // curl keeps a copy
        curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
    }
    ~CurlCall() { curl_slist_free_all(headers_); }
    CurlCall(const CurlCall&) = delete;
    CurlCall& operator=(const CurlCall&) = delete;

    CURLcode perform() { return curl_easy_perform(handle_); }
    int status() const {
        long code = 0;
        curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &code);
        return static_cast<int>(code);
    }
    QString failure(CURLcode rc) const {
        const QString detail = QString::fromUtf8(errorBuffer_);
        return detail.isEmpty() ? QString::fromUtf8(curl_easy_strerror(rc)) : detail;
    }

private:
    void setMethod(const HttpRequest& req) {
        if (req.method == "POST" || !req.body.isEmpty()) {
            body_ = req.body;
            curl_easy_setopt(handle_, CURLOPT_POST, 1L);
            curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body_.constData());
            curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
        }
        if (req.method == "HEAD")
            curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L);
        else if (req.method != "GET" && req.method != "POST")
            curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, req.method.constData());
    }

    CURL* handle_;
    QByteArray url_;
    QByteArray body_;
    QByteArray contentType_;
    curl_slist* headers_ = nullptr;
    char errorBuffer_[CURL_ERROR_SIZE];
};

size_t appendToBuffer(char* data, size_t size, size_t count, void* user) {
    static_cast<QByteArray*>(user)->append(data, static_cast<qsizetype>(size * count));
    return size * count;
}

// State shared with curl's callbacks during one stream().
struct StreamState {
    CURL* handle = nullptr;
    const StreamCallbacks* callbacks = nullptr;
    StreamCancel* cancel = nullptr;
    int status = 0;
    QByteArray errorBody;
};

size_t streamHeader(char* data, size_t size, size_t count, void* user) {
    auto* s = static_cast<StreamState*>(user);
    const QByteArrayView line(data, static_cast<qsizetype>(size * count));
    if (line == "\r\n" || line == "\n") {   // end of one response head
        long code = 0;
        curl_easy_getinfo(s->handle, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200) {
            s->status = static_cast<int>(code);
            if (code < 400 && s->callbacks->opened)
                s->callbacks->opened(s->status);
        }
    }
    return size * count;
}

size_t streamBody(char* data, size_t size, size_t count, void* user) {
    auto* s = static_cast<StreamState*>(user);
    if (s->cancel->cancelled())
        return 0;   // aborts the transfer
    const auto n = static_cast<qsizetype>(size * count);
    if (s->status >= 400) {
        if (s->errorBody.size() < 64 * 1024)
            s->errorBody.append(data, n);
    } else if (s->callbacks->data && !s->callbacks->data(QByteArrayView(data, n))) {
        return 0;   // the consumer has seen enough
    }
    return size * count;
}

int streamProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<StreamCancel*>(user)->cancelled() ? 1 : 0;
}

int streamSocketOpened(void* user, curl_socket_t fd, curlsocktype) {
    static_cast<StreamCancel*>(user)->setSocket(fd);
    return CURL_SOCKOPT_OK;
}

int streamSocketClosing(void* user, curl_socket_t fd) {
    static_cast<StreamCancel*>(user)->setSocket(-1);
    return ::close(fd);
}

}  // namespace

void StreamCancel::cancel() {
    cancelled_ = true;
    std::lock_guard lock(mutex_);
    if (socket_ >= 0)
        ::shutdown(socket_, SHUT_RDWR);   // wakes the blocked read at once
}

void StreamCancel::setSocket(int fd) {
    std::lock_guard lock(mutex_);
    socket_ = fd;
    if (fd >= 0 && cancelled_)
        ::shutdown(fd, SHUT_RDWR);
}

UnixSocketTransport::UnixSocketTransport(QString socketPath)
    : socketPath_(std::move(socketPath)), socketPathBytes_(socketPath_.toLocal8Bit()) {
    initCurlOnce();
}

UnixSocketTransport::~UnixSocketTransport() {
    for (void* h : idleHandles_)
        curl_easy_cleanup(static_cast<CURL*>(h));
}

QString UnixSocketTransport::defaultSocketPath() {
    const QString host = qEnvironmentVariable("DOCKER_HOST");
    const QLatin1String scheme("unix://");
    if (host.startsWith(scheme))
        return host.mid(scheme.size());
    return QStringLiteral("/var/run/docker.sock");
}

void* UnixSocketTransport::acquireHandle() {
    {
        std::lock_guard lock(poolMutex_);
        if (!idleHandles_.empty()) {
            void* h = idleHandles_.back();
            idleHandles_.pop_back();
            curl_easy_reset(static_cast<CURL*>(h));   // keeps its live connection
            return h;
        }
    }
    return curl_easy_init();
}

void UnixSocketTransport::releaseHandle(void* handle) {
    std::lock_guard lock(poolMutex_);
    idleHandles_.push_back(handle);
}

EngineResult<HttpResponse> UnixSocketTransport::request(const HttpRequest& req) {
    CURL* handle = static_cast<CURL*>(acquireHandle());
    if (!handle)
        return EngineError{0, QStringLiteral("curl_easy_init failed")};
    HttpResponse response;
    CURLcode rc;
    QString failure;
    {
        CurlCall call(handle, socketPathBytes_, req);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, appendToBuffer);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response.body);
        rc = call.perform();
        response.status = call.status();
        if (rc != CURLE_OK)
            failure = call.failure(rc);
    }
    releaseHandle(handle);
    if (rc != CURLE_OK)
        return EngineError{0, failure};
    return response;
}

StreamEnd UnixSocketTransport::stream(const HttpRequest& req, const StreamCallbacks& callbacks,
                                      StreamCancel& cancel) {
    StreamEnd end;
    CURL* handle = curl_easy_init();
    if (!handle) {
        end.error = EngineError{0, QStringLiteral("curl_easy_init failed")};
        return end;
    }
    StreamState state{handle, &callbacks, &cancel, 0, {}};
    CURLcode rc;
    QString failure;
    {
        CurlCall call(handle, socketPathBytes_, req);
        curl_easy_setopt(handle, CURLOPT_FORBID_REUSE, 1L);
        if (req.idleTimeout.count() > 0) {
            curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
            curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.idleTimeout.count()));
        }
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, streamHeader);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &state);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, streamBody);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &state);
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, streamProgress);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &cancel);
        curl_easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, streamSocketOpened);
        curl_easy_setopt(handle, CURLOPT_SOCKOPTDATA, &cancel);
        curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, streamSocketClosing);
        curl_easy_setopt(handle, CURLOPT_CLOSESOCKETDATA, &cancel);
        rc = call.perform();
        end.status = state.status ? state.status : call.status();
        if (rc != CURLE_OK)
            failure = call.failure(rc);
    }
    curl_easy_cleanup(handle);
    cancel.setSocket(-1);
    end.cancelled = cancel.cancelled();
    end.clean = rc == CURLE_OK && !end.cancelled;
    if (end.status >= 400)
        end.error = engineErrorFromBody(end.status, state.errorBody);
    else if (!end.clean && !end.cancelled)
        end.error = EngineError{0, failure};
    return end;
}

}  // namespace kontena::docker
