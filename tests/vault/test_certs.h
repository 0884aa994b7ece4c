#pragma once
// Test certificates made with OpenSSL in the test itself: a key pair and a
// certificate for a name, self-signed or signed by an issuer, valid from
// and until offsets (seconds) around the present (an expired one: both
// negative). Header-only; link OpenSSL::Crypto.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

namespace kontena::testing {

struct TestCert {
    std::string certificate;   // PEM
    std::string privateKey;    // PEM
};

namespace detail {

inline std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

inline EVP_PKEY* readKey(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return key;
}

inline X509* readCert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
}

}  // namespace detail

// A certificate for `cn` (empty: no CN) with DNS `altNames`, valid from
// now + `fromSecs` until now + `untilSecs`; signed by `issuer` (empty:
// self-signed).
inline TestCert makeCert(const std::string& cn, const std::vector<std::string>& altNames = {}, long fromSecs = -60,
                         long untilSecs = 90L * 24 * 3600, const TestCert& issuer = {}) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), fromSecs);
    X509_gmtime_adj(X509_getm_notAfter(x), untilSecs);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kontena tests"), -1, -1, 0);
    if (!cn.empty()) X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    std::string sans;
    for (const std::string& a : altNames) sans += (sans.empty() ? "DNS:" : ",DNS:") + a;
    if (!sans.empty()) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, sans.c_str());
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    EVP_PKEY* signer = issuer.privateKey.empty() ? key : detail::readKey(issuer.privateKey);
    X509* issuerCert = issuer.certificate.empty() ? nullptr : detail::readCert(issuer.certificate);
    X509_set_issuer_name(x, issuerCert ? X509_get_subject_name(issuerCert) : name);
    X509_sign(x, signer, EVP_sha256());
    BIO* certBio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(certBio, x);
    BIO* keyBio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(keyBio, key, nullptr, nullptr, 0, nullptr, nullptr);
    if (signer != key) EVP_PKEY_free(signer);
    X509_free(issuerCert);
    X509_free(x);
    EVP_PKEY_free(key);
    return TestCert{detail::bioText(certBio), detail::bioText(keyBio)};
}

}  // namespace kontena::testing
