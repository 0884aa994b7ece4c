#pragma once
// Shared helpers of the stack tests: where the corpus is, a file source that
// finds the files corpus fixtures name under their original names, a fake
// registry and a fake master backend.

#include <QDir>
#include <QString>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stacks/loader.h"
#include "stacks/sources.h"

namespace stacktest {

inline std::string sharedDir() { return qEnvironmentVariable("KONTENA_SHARED_DIR").toStdString(); }
inline std::string sourceDir() { return qEnvironmentVariable("KONTENA_SOURCE_DIR").toStdString(); }
inline std::string corpusStacksDir() { return sharedDir() + "/corpus/kontena-stacks"; }
inline std::string fixturesDir() { return sharedDir() + "/corpus/fixtures"; }
inline std::string dataDir() { return sourceDir() + "/tests/data/stacks"; }

// File names (not paths) of *.yml files in a directory, sorted.
inline std::vector<std::string> ymlFiles(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().extension() == ".yml") out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The corpus fixtures were flattened from Kontena's test trees: a file that
// named `redis.yml` next to it now finds it as `<its prefix>_redis.yml`.
// This source tries the path as given, then `<prefix>_<name>` for each
// `_`-separated prefix of the fixture under test (longest first), then
// tests/data/stacks/<name>.
class FixtureFiles : public kontena::stacks::FileSource {
public:
    explicit FixtureFiles(std::string fixture) : fixture_(std::move(fixture)) {}

    std::optional<std::string> read(const std::string& path) override {
        if (auto text = disk_.read(path)) return text;
        const std::string dir = kontena::stacks::directoryOf(path);
        const std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
        std::string prefix = fixture_;
        for (std::size_t cut = prefix.rfind('_'); cut != std::string::npos; cut = prefix.rfind('_')) {
            prefix = prefix.substr(0, cut);
            if (auto text = disk_.read(dir + "/" + prefix + "_" + name)) return text;
        }
        return disk_.read(dataDir() + "/" + name);
    }

private:
    std::string fixture_;
    kontena::stacks::DiskFiles disk_;
};

// Registry stacks the fixtures name, served from the corpus and test data.
class FakeRegistry : public kontena::stacks::StackRegistry {
public:
    std::optional<std::string> fetch(const std::string& ref) override {
        const std::string name = ref.substr(0, ref.find(':'));
        kontena::stacks::DiskFiles disk;
        if (name == "kontena/redis") return disk.read(corpusStacksDir() + "/redis_kontena.yml");
        if (name == "registrystack/compose") return disk.read(dataDir() + "/docker-compose_v2.yml");
        return std::nullopt;
    }
};

// A master and a person with fixed answers; records what it was asked.
class FakeBackend : public kontena::stacks::ResolverBackend {
public:
    std::map<std::string, std::string> vault;
    std::map<std::string, std::int64_t> instances;     // "stack/service" -> count
    std::optional<std::string> link;
    std::optional<std::vector<std::string>> certs;
    std::optional<std::vector<std::string>> vaultCerts;
    std::map<std::string, std::string> answers;        // variable -> prompt answer
    std::vector<std::pair<std::string, std::string>> written;
    std::vector<kontena::stacks::PromptRequest> prompts;
    std::vector<kontena::stacks::ServiceLinkQuery> linkQueries;

    std::optional<std::string> vaultRead(const std::string& secret) override {
        auto it = vault.find(secret);
        return it == vault.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    bool vaultWrite(const std::string& secret, const std::string& value) override {
        written.push_back({secret, value});
        return true;
    }
    std::optional<std::int64_t> serviceInstances(const std::string& stack, const std::string& service) override {
        auto it = instances.find(stack + "/" + service);
        return it == instances.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    }
    std::optional<std::string> serviceLink(const kontena::stacks::ServiceLinkQuery& q) override {
        linkQueries.push_back(q);
        return link;
    }
    std::optional<std::vector<std::string>> certificates(const std::string&, const std::string&) override { return certs; }
    std::optional<std::vector<std::string>> vaultCertificates(const std::string&, const std::string&) override {
        return vaultCerts;
    }
    std::optional<std::string> prompt(const kontena::stacks::PromptRequest& r) override {
        prompts.push_back(r);
        auto it = answers.find(r.variable);
        return it == answers.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
};

// Options for deterministic tests: grid test-grid, seed 1, an empty
// environment unless given, and the given sources.
struct TestSetup {
    kontena::stacks::MapEnvironment environment;
    FakeBackend backend;
    FakeRegistry registry;
    kontena::stacks::DiskFiles disk;
    kontena::stacks::LoadOptions options;

    explicit TestSetup(std::map<std::string, std::string> env = {}) : environment(std::move(env)) {
        options.grid = "test-grid";
        options.seed = 1;
        options.environment = &environment;
        options.backend = &backend;
        options.registry = &registry;
        options.files = &disk;
    }
    void set(const std::string& key, const std::string& value) {
        options.values[key] = kontena::stacks::Value::string(value);
    }
    kontena::stacks::LoadResult load(const std::string& text, const std::string& file = "test.yml") {
        return kontena::stacks::loadStackText(text, file, options);
    }
};

// True if some diagnostic of `r` is an error whose formatted text contains
// every one of `parts`.
inline bool hasError(const kontena::stacks::LoadResult& r, const std::vector<std::string>& parts) {
    for (const auto& d : r.diagnostics.items()) {
        if (d.severity != kontena::stacks::Severity::Error) continue;
        const std::string text = d.format();
        bool all = true;
        for (const auto& p : parts) all = all && text.find(p) != std::string::npos;
        if (all) return true;
    }
    return false;
}

inline QString describe(const kontena::stacks::LoadResult& r) {
    return QString::fromStdString(r.diagnostics.format());
}

}  // namespace stacktest
