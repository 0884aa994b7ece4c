// libFuzzer target: the whole stack pipeline on arbitrary text. Any file the
// input names (extends, env_file, depends, the `file` resolver) and any
// registry stack is the input itself, so recursion, cycles and extends
// chains are exercised too. The pipeline must end with a result or errors:
// never crash, hang, or leak (ASan).
#include <cstddef>
#include <cstdint>
#include <string>

#include "stacks/loader.h"
#include "stacks/render.h"

namespace {

class EchoFiles : public kontena::stacks::FileSource {
public:
    explicit EchoFiles(const std::string& text) : text_(text) {}
    std::optional<std::string> read(const std::string&) override { return text_; }

private:
    const std::string& text_;
};

class EchoRegistry : public kontena::stacks::StackRegistry {
public:
    explicit EchoRegistry(const std::string& text) : text_(text) {}
    std::optional<std::string> fetch(const std::string&) override { return text_; }

private:
    const std::string& text_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    const std::string text(reinterpret_cast<const char*>(data), size);
    EchoFiles files(text);
    EchoRegistry registry(text);
    kontena::stacks::MapEnvironment env({{"FUZZ", "1"}});
    kontena::stacks::OfflineBackend backend;
    kontena::stacks::LoadOptions options;
    options.placeholders = (size % 2) == 0;  // both modes
    options.files = &files;
    options.registry = &registry;
    options.environment = &env;
    options.backend = &backend;
    const kontena::stacks::LoadResult r = kontena::stacks::loadStackText(text, "fuzz.yml", options);
    if (r.stack) {
        const kontena::stacks::Value v = kontena::stacks::stackToValue(*r.stack);
        (void)kontena::stacks::toYaml(v);
        (void)kontena::stacks::toJson(v);
    }
    (void)r.diagnostics.format();
    return 0;
}
