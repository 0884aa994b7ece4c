#pragma once
// Certificates in the grid vault (reference §10.2): a PEM certificate, its
// private key and an optional chain, checked and described once with
// OpenSSL, then stored sealed by the master. What a service's
// `certificates:` entry injects (SSL_CERTS for the load balancer) is the
// bundle: certificate, chain, key.
//
// No Qt and no I/O; "now" comes in as a value. Error messages name the
// field that is wrong ("private_key: ...") and never contain key material
// or any other part of the input.
//
// Where certificates come from is a CertificateSource: import is one;
// Let's Encrypt (ACME) would be another, yielding the same Certificate
// through the same store path. No ACME client exists here (no network).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/result.h"
#include "scheduler/time.h"

namespace kontena::vault {

// How a certificate got into the vault. Only ACME certificates are ever
// renewed automatically (Kontena never renewed imported ones).
enum class Origin { Import, Acme };
const char* originName(Origin o);   // "import", "acme"

// A checked certificate as the vault keeps it. PEM texts are re-encoded by
// OpenSSL (one block each, ending in a newline), so text around the blocks
// in the input is not kept.
struct Certificate {
    std::string subject;                 // the subject's CN, or the first DNS name when it has none
    std::vector<std::string> altNames;   // the DNS names other than the subject, in certificate order
    Instant validUntil;                  // not-after, ms since the Unix epoch (UTC)
    std::string certificate;             // PEM of the certificate itself
    std::string chain;                   // PEM of the intermediates, in order; "" when none
    std::string privateKey;              // PEM (PKCS#8, unencrypted): the secret part
    Origin origin = Origin::Import;

    // What a service's `certificates:` entry injects: certificate, chain,
    // key (HAProxy's order for a combined PEM file).
    std::string bundle() const { return certificate + chain + privateKey; }
};

// What a user imports (`kontena certificate import`): PEM texts. The
// certificate text may carry intermediates after the certificate; they are
// treated as chain, before `chain`'s.
struct PemImport {
    std::string certificate;
    std::string privateKey;
    std::vector<std::string> chain;   // each may hold several certificates
};

// Checks and describes an import. Errors (each naming its field):
//  certificate: not a PEM certificate; expired at `now`; no subject name;
//  private_key: missing, not an unencrypted PEM key, or not the key of the
//  certificate; chain[i]: not PEM certificates.
Result<Certificate> importCertificate(const PemImport& in, Instant now);

// Whether the auto-renewal job should renew it now: ACME certificates
// within 7 days of expiry (reference §10.2). Imported ones never.
bool needsRenewal(const Certificate& c, Instant now);

// A source of certificates. The master stores whatever a source yields
// through one path, so an ACME client plugs in without touching storage,
// routes or delivery. Sources are asynchronous because ACME is (orders,
// challenges served by a linked load balancer, polling); `done` is called
// exactly once, possibly before obtain() returns.
class CertificateSource {
public:
    using Done = std::function<void(Result<Certificate>)>;
    virtual ~CertificateSource() = default;
    virtual Origin origin() const = 0;
    // A certificate for `domains` (the first is the subject, the others
    // alt names; empty: whatever the source holds).
    virtual void obtain(const std::vector<std::string>& domains, Instant now, const Done& done) = 0;
};

// The import source: the PEM texts a user gave. With `domains`, the
// certificate's subject must be domains[0] and its names must cover every
// other domain.
class ImportSource : public CertificateSource {
public:
    explicit ImportSource(PemImport pem) : pem_(std::move(pem)) {}
    Origin origin() const override { return Origin::Import; }
    void obtain(const std::vector<std::string>& domains, Instant now, const Done& done) override;

private:
    PemImport pem_;
};

}  // namespace kontena::vault
