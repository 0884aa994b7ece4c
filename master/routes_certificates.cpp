// Routes: a grid's certificates (reference §10.2): import, list, show,
// remove. A private key goes in with an import and never comes out of the
// API; audit entries never carry the request body. Import goes through
// vault::CertificateSource, the path an ACME client would also take.
#include <variant>

#include "api/certificate.h"
#include "master/api_server.h"
#include "master/grid_runtime.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

constexpr qsizetype kMaxPemBytes = 64 * 1024;
constexpr qsizetype kMaxChainBytes = 256 * 1024;

const QString kResource = QStringLiteral("Certificate");

api::Certificate certificateOf(const CertificateInfo& c) {
    api::Certificate out;
    out.id = c.grid + QLatin1Char('/') + c.subject;
    out.subject = c.subject;
    out.altNames = c.altNames;
    out.validUntil = timeText(Instant{c.validUntil}).value_or(QString());
    out.origin = c.origin;
    out.createdAt = timeText(Instant{c.createdAt});
    out.updatedAt = timeText(Instant{c.updatedAt});
    return out;
}

Reply notFound(const QString& subject) { return Reply::error(404, QStringLiteral("Certificate %1 not found").arg(subject)); }

// Sizes first: nothing this large is parsed.
std::optional<Reply> tooLarge(const api::CertificateImport& req) {
    const auto over = [](const char* field, qsizetype max) {
        return Reply::error(422, QStringLiteral("%1: must be at most %2 bytes").arg(QLatin1String(field)).arg(max));
    };
    if (req.certificate.toUtf8().size() > kMaxPemBytes) return over("certificate", kMaxPemBytes);
    if (req.privateKey.toUtf8().size() > kMaxPemBytes) return over("private_key", kMaxPemBytes);
    qsizetype chain = 0;
    for (const QString& c : req.chain) chain += c.toUtf8().size();
    if (chain > kMaxChainBytes) return over("chain", kMaxChainBytes);
    return std::nullopt;
}

// The checked certificate, or a 422 naming the field (never quoting the input).
std::variant<vault::Certificate, Reply> imported(const api::CertificateImport& req) {
    vault::PemImport pem{req.certificate.toStdString(), req.privateKey.toStdString(), {}};
    for (const QString& c : req.chain) pem.chain.push_back(c.toStdString());
    vault::ImportSource source(std::move(pem));
    std::variant<vault::Certificate, Reply> out = Reply::error(500, QStringLiteral("the certificate source did not answer"));
    source.obtain({}, Instant{nowMs()}, [&](Result<vault::Certificate> r) {
        if (r) out = std::move(r).value();
        else out = Reply::error(422, QString::fromStdString(r.error().message));
    });
    return out;
}

}  // namespace

void Master::addCertificateRoutes() {
    // Every certificate route: 503 before anything else when the master has no key.
    auto vaultRoute = [this](Method m, const char* pattern, std::function<Reply(Call&)> h) {
        add(m, QString::fromLatin1(pattern), Permission::GridMember,
            [this, h = std::move(h)](Call& c) { return vault_.configured() ? h(c) : Reply::error(503, QStringLiteral("Vault not configured")); });
    };
    vaultRoute(Method::Get, "/v1/grids/:grid/certificates", [this](Call& c) {
        api::CertificateList list;
        for (const CertificateInfo& info : vault_.certificates(c.param("grid"))) list.certificates.append(certificateOf(info));
        return Reply::of(list);
    });
    vaultRoute(Method::Post, "/v1/grids/:grid/certificates", [this](Call& c) {
        api::CertificateImport req;
        if (auto bad = readBody(c, &req)) return *bad;
        if (auto bad = tooLarge(req)) return *bad;
        auto cert = imported(req);
        if (auto* error = std::get_if<Reply>(&cert)) return *error;
        const QString grid = c.param("grid"), subject = QString::fromStdString(std::get<vault::Certificate>(cert).subject);
        const VaultStore::Write w = vault_.putCertificate(grid, std::get<vault::Certificate>(cert), nowMs());
        if (w == VaultStore::Write::Failed) return Reply::error(500, QStringLiteral("could not store the certificate"));
        audit(c, grid, kResource, grid + QLatin1Char('/') + subject, subject, QStringLiteral("create"), false);
        gridOf(c)->certificateChanged(subject);   // services using it are updated: stateless ones re-deploy
        return Reply::of(certificateOf(*vault_.findCertificate(grid, subject)), w == VaultStore::Write::Created ? 201 : 200);
    });
    vaultRoute(Method::Get, "/v1/certificates/:grid/:subject", [this](Call& c) {
        const QString grid = c.param("grid"), subject = c.param("subject");
        const auto cert = vault_.certificate(grid, subject);
        if (!cert) return notFound(subject);
        if (!*cert) return Reply::error(500, QStringLiteral("Certificate %1 does not open: %2").arg(subject, QString::fromStdString(cert->error().message)));
        api::Certificate out = certificateOf(*vault_.findCertificate(grid, subject));
        out.certificate = QString::fromStdString(cert->value().certificate);
        out.chain = QString::fromStdString(cert->value().chain);
        return Reply::of(out);
    });
    vaultRoute(Method::Delete, "/v1/certificates/:grid/:subject", [this](Call& c) {
        const QString grid = c.param("grid"), subject = c.param("subject");
        if (!vault_.removeCertificate(grid, subject)) return notFound(subject);
        audit(c, grid, kResource, grid + QLatin1Char('/') + subject, subject, QStringLiteral("delete"), false);
        return Reply::done();
    });
}

}  // namespace kontena::master
