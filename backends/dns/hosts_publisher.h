#pragma once
// Writes the grid's DNS records (scheduler/dns.h) into dnsmasq's hosts
// directory as one file, replaced atomically (write a temporary file, then
// rename), so dnsmasq never reads half a file and names that left the
// records stop resolving as soon as it re-reads.

#include <QString>

#include "scheduler/dns.h"

namespace kontena::dns {

class HostsPublisher {
public:
    // `dir` must exist; the file is `<dir>/kontena.hosts`.
    explicit HostsPublisher(QString dir) : dir_(std::move(dir)) {}

    // Publishes `r`; does nothing when the text is what was last written.
    // False (with `error`) when the file could not be written; the previous
    // file then stays in place.
    bool publish(const Records& r, QString* error = nullptr);
    QString path() const;
    int writes() const { return writes_; }

private:
    QString dir_;
    std::string last_;
    bool wroteOnce_ = false;
    int writes_ = 0;
};

}  // namespace kontena::dns
