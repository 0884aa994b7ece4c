#pragma once
// Certificates in the grid vault (master/API.md "Certificates", reference
// §10.2). The private key is sent by an import and never answered.

#include "api/model.h"

namespace kontena::api {

// Elements of GET /v1/grids/:grid/certificates and the answer of an
// import; GET /v1/certificates/:grid/:subject adds the PEM texts (never
// the key).
struct Certificate : Model<Certificate> {
    QString id;                       // grid/subject
    QString subject;
    QStringList altNames;             // DNS names other than the subject
    QString validUntil;               // RFC 3339 UTC
    QString origin;                   // "import" (later "acme")
    std::optional<QString> createdAt, updatedAt;
    std::optional<QString> certificate, chain;   // PEM; only when shown
    static auto fields() {
        return std::tuple{field("id", &Certificate::id), field("subject", &Certificate::subject), field("alt_names", &Certificate::altNames),
                          field("valid_until", &Certificate::validUntil), field("origin", &Certificate::origin),
                          field("created_at", &Certificate::createdAt), field("updated_at", &Certificate::updatedAt),
                          field("certificate", &Certificate::certificate, Empty::Omit), field("chain", &Certificate::chain, Empty::Omit)};
    }
};

struct CertificateList : Model<CertificateList> {
    QList<Certificate> certificates;   // by subject
    static auto fields() { return std::tuple{field("certificates", &CertificateList::certificates)}; }
};

// POST /v1/grids/:grid/certificates: PEM texts; the subject is the
// certificate's. An import for a stored subject replaces it.
struct CertificateImport : Model<CertificateImport> {
    QString certificate, privateKey;
    QStringList chain;   // PEM texts of intermediates, each may hold several
    static auto fields() {
        return std::tuple{field("certificate", &CertificateImport::certificate), field("private_key", &CertificateImport::privateKey),
                          field("chain", &CertificateImport::chain)};
    }
};

}  // namespace kontena::api
