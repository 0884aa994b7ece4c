#pragma once
// What stack processing reads from the outside world, as interfaces, so the
// CLI, the master, the simulator, tests and the fuzzer can each supply
// their own: files, the stack registry, the process environment, and the
// resolvers that need the master or a person (vault, service links,
// certificates, prompts).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stacks/value.h"

namespace kontena::stacks {

// Files named by stack files (extends, env_file, depends, `file` resolver).
class FileSource {
public:
    virtual ~FileSource() = default;
    // The whole file, or nullopt if it cannot be read.
    virtual std::optional<std::string> read(const std::string& path) = 0;
};

// Reads the real filesystem. Files over 16 MiB are refused (nullopt).
class DiskFiles : public FileSource {
public:
    std::optional<std::string> read(const std::string& path) override;
};

// Stacks of the stack registry, by reference "user/name[:version]".
class StackRegistry {
public:
    virtual ~StackRegistry() = default;
    // The stack file text, or nullopt if the registry does not have it or
    // cannot be reached.
    virtual std::optional<std::string> fetch(const std::string& ref) = 0;
};

// A registry that has nothing (offline).
class NoRegistry : public StackRegistry {
public:
    std::optional<std::string> fetch(const std::string&) override { return std::nullopt; }
};

// Environment variables for the `env` resolver.
class Environment {
public:
    virtual ~Environment() = default;
    virtual std::optional<std::string> get(const std::string& name) const = 0;
};

// The real process environment.
class ProcessEnvironment : public Environment {
public:
    std::optional<std::string> get(const std::string& name) const override;
};

// A fixed map (tests, fuzzing, the simulator).
class MapEnvironment : public Environment {
public:
    explicit MapEnvironment(std::map<std::string, std::string> vars = {}) : vars_(std::move(vars)) {}
    std::optional<std::string> get(const std::string& name) const override;

private:
    std::map<std::string, std::string> vars_;
};

// What a `prompt` (or an interactive master-backed resolver) asks.
struct PromptRequest {
    std::string variable;       // the variable's name
    std::string question;       // the hint text, or the variable name
    std::string type;           // string, integer, boolean, enum, uri, array
    std::optional<std::string> defaultText;
    std::vector<std::string> options;  // enum choices
    bool echo = true;
};

// Service link candidates filter (`service_link: {prompt, image, name}`).
struct ServiceLinkQuery {
    std::string variable;
    std::string prompt;
    std::string image;          // empty: any
    std::string name;           // empty: any
};

// Resolvers answered by the master or a person. Every method may return
// nullopt ("no answer"), and resolution then moves to the next resolver.
class ResolverBackend {
public:
    virtual ~ResolverBackend() = default;
    virtual std::optional<std::string> vaultRead(const std::string& secret) = 0;
    // Records a `to: vault` setter; returns false if the write failed.
    virtual bool vaultWrite(const std::string& secret, const std::string& value) = 0;
    // Current instance count of service `service` in stack `stack`.
    virtual std::optional<std::int64_t> serviceInstances(const std::string& stack, const std::string& service) = 0;
    // The chosen service as "stack/service".
    virtual std::optional<std::string> serviceLink(const ServiceLinkQuery& query) = 0;
    // Chosen certificate subjects.
    virtual std::optional<std::vector<std::string>> certificates(const std::string& variable, const std::string& prompt) = 0;
    // Chosen vault keys holding certificates.
    virtual std::optional<std::vector<std::string>> vaultCertificates(const std::string& variable,
                                                                      const std::string& prompt) = 0;
    virtual std::optional<std::string> prompt(const PromptRequest& request) = 0;
};

// No master and nobody to ask: every answer is nullopt, vault writes are
// dropped (returns true).
class OfflineBackend : public ResolverBackend {
public:
    std::optional<std::string> vaultRead(const std::string&) override { return std::nullopt; }
    bool vaultWrite(const std::string&, const std::string&) override { return true; }
    std::optional<std::int64_t> serviceInstances(const std::string&, const std::string&) override { return std::nullopt; }
    std::optional<std::string> serviceLink(const ServiceLinkQuery&) override { return std::nullopt; }
    std::optional<std::vector<std::string>> certificates(const std::string&, const std::string&) override {
        return std::nullopt;
    }
    std::optional<std::vector<std::string>> vaultCertificates(const std::string&, const std::string&) override {
        return std::nullopt;
    }
    std::optional<std::string> prompt(const PromptRequest&) override { return std::nullopt; }
};

// The directory part of a path ("a/b/c.yml" -> "a/b", "c.yml" -> ".").
std::string directoryOf(const std::string& path);
// `name` relative to directory `dir` unless it is absolute.
std::string joinPath(const std::string& dir, const std::string& name);

}  // namespace kontena::stacks
