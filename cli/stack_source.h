#pragma once
// Where `kontena stack install|upgrade|validate` read a stack file from, as
// Kontena's CLI does (StackFileLoader: file, URL, registry):
//
//   FILE  --"://" in it--------------------------> GET the URL (http, https)
//         --a file on disk-----------------------> read it
//         --user/stack[:version], not on disk----> GET <registry>/stack/user/stack
//                                                  [/version/VERSION] (Kontena's
//                                                  stack registry paths)
//
// Files a stack file names (child stacks in `depends:`, `extends: {file}`,
// `env_file`, the `file` resolver) are read relative to the file naming
// them: beside a local file from the disk, beside a URL over HTTP (a stack
// file from a URL never reads the local disk). Child stacks named
// `user/stack[:version]` come from the registry. Every file read is kept,
// to be sent to the master as the request's `files` (the master reads
// nothing of its own).
//
// Fetching: GET with redirects Qt considers as safe (never https -> http);
// any answer but 2xx is an error naming the URL and the status; at most
// 16 MiB per file (as from disk); each GET ends after a timeout (30 s, or
// KONTENA_STACK_FETCH_TIMEOUT seconds). The registry is `--registry URL` or
// KONTENA_STACK_REGISTRY; with neither, a registry reference is an error
// saying so (there is no default registry: Kontena's is gone).

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QString>
#include <QStringList>

#include <map>
#include <optional>
#include <string>

#include "stacks/sources.h"

namespace kontena::cli {

// Kontena's registry reference: NAME/NAME[:VERSION] of [A-Za-z0-9_.-].
bool isRegistryReference(const QString& text);

class StackSources : public stacks::FileSource, public stacks::StackRegistry {
public:
    // `registry`: the stack registry's base URL ("" = none); `timeoutMs` per GET.
    StackSources(const QString& registry, int timeoutMs);

    // The registry from --registry (when given) or KONTENA_STACK_REGISTRY;
    // the fetch timeout from KONTENA_STACK_FETCH_TIMEOUT (seconds).
    static QString registryFrom(const QString& option);
    static int timeoutFromEnvironment();

    // Reads the top stack file FILE as given (path, URL or registry
    // reference). On success `location` is the name the loader gives it
    // (the path, the URL, or the registry stack's URL): messages say
    // location:line:column and its files resolve relative to it. nullopt
    // with the reason in errors().
    std::optional<std::string> readTop(const QString& given, QString* location);

    // FileSource: a path, or a URL when the top file came from one.
    std::optional<std::string> read(const std::string& path) override;
    // StackRegistry: `user/stack[:version]` from the registry.
    std::optional<std::string> fetch(const std::string& ref) override;

    // Why reads failed, one line each (URL and HTTP status, unreachable
    // host, timeout, size, no registry configured), in order, no repeats.
    const QStringList& errors() const { return errors_; }

    // The files read besides the top one, as the master's `files`: paths
    // relative to the top file's directory ("lib/cache.yml",
    // "../common.env"); registry stacks as "registry:user/stack[:version]".
    QJsonObject requestFiles() const;

private:
    std::optional<std::string> get(const QString& url, const QByteArray& accept);
    std::optional<std::string> readRemote(const QString& path);
    void fail(const QString& why);

    QString registry_;
    int timeoutMs_;
    QString top_;             // the top file's location
    bool remote_ = false;     // the top file came from a URL or the registry
    QNetworkAccessManager nam_;
    stacks::DiskFiles disk_;
    std::map<QString, std::optional<std::string>> cache_;   // by path/URL as asked: what was read (nullopt: failed)
    std::map<QString, std::string> registryRead_;            // by reference
    QStringList errors_;
};

}  // namespace kontena::cli
