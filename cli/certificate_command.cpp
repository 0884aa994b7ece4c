// `kontena certificate ...`: the grid's certificates in the vault
// (reference §10.2): import a PEM certificate with its key, list, show,
// remove. The private key is read from a file and sent once; the master
// never answers it. (Let's Encrypt's register/authorize/request are not
// here: no ACME client yet.)
#include <QFile>

#include "api/certificate.h"
#include "api/paths.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

// A PEM file's text; nullopt (reason printed) when it cannot be read.
std::optional<QString> readPem(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        printErr(QStringLiteral("kontena: cannot read %1: %2\n").arg(path, f.errorString()));
        return std::nullopt;
    }
    return QString::fromUtf8(f.readAll());
}

int certificateImport(const QStringList& args) {
    return runCommand({opt("kontena certificate import"), opt("Import a PEM certificate with its private key (and chain) into the vault."),
                       {{opt("private-key"), opt("PEM file of the certificate's private key (required)"), opt("FILE")},
                        {opt("chain"), opt("PEM file of intermediate certificates (repeat)"), opt("FILE")}},
                       {opt("CERT_FILE")}, Needs::Grid},
                      args, [](Call& c) {
                          if (c.value("private-key").isEmpty()) return c.usage(QStringLiteral("--private-key FILE is required"));
                          api::CertificateImport body;
                          const auto cert = readPem(c.arg(0));
                          const auto key = cert ? readPem(c.value("private-key")) : std::nullopt;
                          if (!key) return static_cast<int>(Invalid);
                          body.certificate = *cert;
                          body.privateKey = *key;
                          for (const QString& path : c.values("chain")) {
                              const auto chain = readPem(path);
                              if (!chain) return static_cast<int>(Invalid);
                              body.chain.append(*chain);
                          }
                          const auto imported = c.post<api::Certificate>(paths::gridCertificates(c.grid()), body);
                          if (!imported) return c.failed();
                          printOut(imported->subject + u'\n');
                          return static_cast<int>(Ok);
                      });
}

int certificateList(const QStringList& args) {
    return runCommand({opt("kontena certificate ls"), opt("List the grid's certificates."), {}, {}, Needs::Grid, true}, args, [](Call& c) {
        const auto list = c.get<api::CertificateList>(paths::gridCertificates(c.grid()));
        if (!list) return c.failed();
        return c.print(api::toJsonArray(list->certificates), [&] {
            QList<QStringList> rows;
            for (const auto& cert : list->certificates) rows.append({cert.subject, cert.altNames.join(u','), cert.validUntil});
            printTable({opt("SUBJECT"), opt("ALT NAMES"), opt("VALID UNTIL")}, rows);
        });
    });
}

int certificateShow(const QStringList& args) {
    return runCommand({opt("kontena certificate show"), opt("Show a certificate (never its private key)."), {}, {opt("SUBJECT")}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto cert = c.get<api::Certificate>(paths::certificate(c.grid(), c.arg(0)));
                          if (!cert) return c.failed();
                          return c.print(cert->toJson(), [&] {
                              printOut(QStringLiteral("%1:\n  alt_names: %2\n  valid_until: %3\n  origin: %4\n  created_at: %5\n  updated_at: %6\n")
                                           .arg(cert->subject, cert->altNames.isEmpty() ? QStringLiteral("-") : cert->altNames.join(QStringLiteral(", ")),
                                                cert->validUntil, cert->origin, cert->createdAt.value_or(QString()), cert->updatedAt.value_or(QString())));
                              printOut(cert->certificate.value_or(QString()) + cert->chain.value_or(QString()));
                          });
                      });
}

int certificateRemove(const QStringList& args) {
    return runCommand({opt("kontena certificate rm"), opt("Remove a certificate from the vault."),
                       {{opt("force"), opt("Do not ask (accepted for Kontena's scripts)")}}, {opt("SUBJECT")}, Needs::Grid},
                      args, [](Call& c) { return c.del(paths::certificate(c.grid(), c.arg(0))) ? static_cast<int>(Ok) : c.failed(); });
}

}  // namespace

Group certificateGroup() {
    return {opt("certificate"), opt("Certificates in the vault"), [](const QStringList& args) {
                return dispatchGroup(opt("certificate"), args,
                                     {{opt("import"), opt("Import a PEM certificate"), certificateImport},
                                      {opt("ls"), opt("List certificates"), certificateList},
                                      {opt("show"), opt("Show a certificate"), certificateShow},
                                      {opt("rm"), opt("Remove a certificate"), certificateRemove}});
            }};
}

}  // namespace kontena::cli
