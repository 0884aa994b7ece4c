#include "vault/certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <optional>

namespace kontena::vault {

namespace {

struct Free {
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;
using Certs = std::vector<Owned<X509>>;

constexpr Duration kRenewBefore = Duration::hours(24 * 7);

Error fieldError(const std::string& field, const std::string& what) {
    ERR_clear_error();   // OpenSSL's queue is per thread: leave nothing for the next caller
    return Error{field + ": " + what};
}

Owned<BIO> readBio(std::string_view text) {
    return Owned<BIO>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never prompts for a pass phrase: an encrypted key is refused instead.
int noPassphrase(char*, int, int, void*) { return -1; }

// Every certificate in a PEM text, in order; nullopt if there is none or
// anything between BEGIN and END does not parse.
std::optional<Certs> readCerts(std::string_view text) {
    Owned<BIO> bio = readBio(text);
    Certs out;
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr)) out.emplace_back(x);
    const unsigned long last = ERR_peek_last_error();
    const bool atEnd = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    if (out.empty() || (last != 0 && !atEnd)) return std::nullopt;
    return out;
}

std::string pemOf(X509* cert) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pemOf(EVP_PKEY* key) {
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string utf8(const ASN1_STRING* s) {
    unsigned char* out = nullptr;
    const int n = ASN1_STRING_to_UTF8(&out, s);
    if (n < 0) return {};
    std::string text(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return text;
}

std::string commonName(X509* cert) {
    X509_NAME* name = X509_get_subject_name(cert);
    const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (at < 0) return {};
    return utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
}

std::vector<std::string> dnsNames(X509* cert) {
    std::vector<std::string> out;
    Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
        if (n->type == GEN_DNS) out.push_back(utf8(n->d.dNSName));
    }
    return out;
}

std::optional<Instant> notAfter(X509* cert) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return std::nullopt;
    return Instant(static_cast<std::int64_t>(timegm(&tm)) * 1000);
}

std::string isoUtc(Instant t) {
    const std::time_t secs = static_cast<std::time_t>(t.ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

// The leaf's names, time and PEM; errors name `certificate`.
Result<Certificate> describe(X509* leaf, Instant now) {
    Certificate c;
    const std::vector<std::string> dns = dnsNames(leaf);
    c.subject = commonName(leaf);
    if (c.subject.empty() && !dns.empty()) c.subject = dns.front();
    if (c.subject.empty()) return fieldError("certificate", "has neither a subject common name nor a DNS name");
    for (const std::string& d : dns) {
        if (d != c.subject && std::find(c.altNames.begin(), c.altNames.end(), d) == c.altNames.end()) c.altNames.push_back(d);
    }
    const auto until = notAfter(leaf);
    if (!until) return fieldError("certificate", "has an unreadable expiry time");
    if (*until <= now) return fieldError("certificate", "expired at " + isoUtc(*until));
    c.validUntil = *until;
    c.certificate = pemOf(leaf);
    return c;
}

Result<Owned<EVP_PKEY>> readKey(std::string_view text, X509* leaf) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fieldError("private_key", "is missing");
    Owned<BIO> bio = readBio(text);
    Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
    if (!key) return fieldError("private_key", "is not an unencrypted PEM private key");
    if (X509_check_private_key(leaf, key.get()) != 1) return fieldError("private_key", "does not belong to the certificate");
    ERR_clear_error();
    return key;
}

// The intermediates: those after the leaf in the certificate text, then every chain entry's.
Result<std::string> chainPem(Certs& fromCertificate, const std::vector<std::string>& chain) {
    std::string out;
    for (std::size_t i = 1; i < fromCertificate.size(); ++i) out += pemOf(fromCertificate[i].get());
    for (std::size_t i = 0; i < chain.size(); ++i) {
        auto certs = readCerts(chain[i]);
        if (!certs) return fieldError("chain[" + std::to_string(i) + "]", "is not PEM certificates");
        for (auto& x : *certs) out += pemOf(x.get());
    }
    return out;
}

bool covers(const Certificate& c, const std::string& domain) {
    return c.subject == domain || std::find(c.altNames.begin(), c.altNames.end(), domain) != c.altNames.end();
}

}  // namespace

const char* originName(Origin o) { return o == Origin::Acme ? "acme" : "import"; }

Result<Certificate> importCertificate(const PemImport& in, Instant now) {
    auto certs = readCerts(in.certificate);
    if (!certs) return fieldError("certificate", "is not a PEM certificate");
    X509* leaf = certs->front().get();
    auto described = describe(leaf, now);
    if (!described) return described;
    auto key = readKey(in.privateKey, leaf);
    if (!key) return key.error();
    auto chain = chainPem(*certs, in.chain);
    if (!chain) return chain.error();
    Certificate c = std::move(described).value();
    c.chain = std::move(chain).value();
    c.privateKey = pemOf(key.value().get());
    c.origin = Origin::Import;
    return c;
}

bool needsRenewal(const Certificate& c, Instant now) { return c.origin == Origin::Acme && c.validUntil < now + kRenewBefore; }

void ImportSource::obtain(const std::vector<std::string>& domains, Instant now, const Done& done) {
    auto c = importCertificate(pem_, now);
    if (c && !domains.empty()) {
        if (c.value().subject != domains.front()) return done(fieldError("certificate", "is for " + c.value().subject + ", not " + domains.front()));
        for (const std::string& d : domains) {
            if (!covers(c.value(), d)) return done(fieldError("certificate", "does not name " + d));
        }
    }
    done(std::move(c));
}

}  // namespace kontena::vault
