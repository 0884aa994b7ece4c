#include "backends/dns/hosts_publisher.h"

#include <QFile>

#include <cstdio>

namespace kontena::dns {

QString HostsPublisher::path() const { return dir_ + QStringLiteral("/kontena.hosts"); }

bool HostsPublisher::publish(const Records& r, QString* error) {
    const std::string text = hostsFile(r);
    if (wroteOnce_ && text == last_) return true;
    // dnsmasq ignores files whose names start with '.', so it never reads
    // the half-written temporary (QSaveFile's temporary would be read, and
    // its names would stay after the rename).
    const QString tmp = dir_ + QStringLiteral("/.kontena.hosts.tmp");
    QFile f(tmp);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
        !f.flush()) {
        if (error) *error = QStringLiteral("cannot write %1: %2").arg(tmp, f.errorString());
        return false;
    }
    f.close();
    if (std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path()).constData()) != 0) {
        if (error) *error = QStringLiteral("cannot replace %1").arg(path());
        return false;
    }
    last_ = text;
    wroteOnce_ = true;
    ++writes_;
    return true;
}

}  // namespace kontena::dns
