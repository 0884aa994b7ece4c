// Validating the whole corpus (../shared/corpus: the stack library and the
// fixtures), the way `kontena stack validate --placeholders` does it, file
// by file. Prints `BENCH <name> <value> <unit>`; the target is one whole
// pass in under 1 s.
//
// Usage: bench_stacks [SHARED_DIR] [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "stacks/loader.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> corpusFiles(const std::string& shared) {
    std::vector<std::string> files;
    for (const char* sub : {"/corpus/kontena-stacks", "/corpus/fixtures"}) {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(shared + sub, ec)) {
            if (e.path().extension() == ".yml") files.push_back(e.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// One pass over every file; returns the number of files that validated.
int validateAll(const std::vector<std::string>& files) {
    kontena::stacks::MapEnvironment env;
    kontena::stacks::LoadOptions options;
    options.placeholders = true;
    options.environment = &env;
    int ok = 0;
    for (const auto& f : files) {
        if (kontena::stacks::loadStackFile(f, options).ok()) ++ok;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    const char* envDir = std::getenv("KONTENA_SHARED_DIR");
    const std::string shared = argc > 1 ? argv[1] : (envDir ? envDir : KONTENA_SHARED_DIR_DEFAULT);
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
    const auto files = corpusFiles(shared);
    if (files.empty()) {
        std::fprintf(stderr, "bench_stacks: no corpus files under %s/corpus\n", shared.c_str());
        return 1;
    }
    int valid = 0;
    double best = 1e9, total = 0;
    for (int i = 0; i < rounds; ++i) {
        const auto start = Clock::now();
        valid = validateAll(files);
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        best = std::min(best, s);
        total += s;
    }
    const double mean = total / rounds;
    std::printf("BENCH stacks_corpus_files %zu files\n", files.size());
    std::printf("BENCH stacks_corpus_valid_files %d files\n", valid);
    std::printf("BENCH stacks_corpus_validate_mean %.2f ms\n", mean * 1e3);
    std::printf("BENCH stacks_corpus_validate_best %.2f ms\n", best * 1e3);
    std::printf("BENCH stacks_files_per_s %.0f files/s\n", static_cast<double>(files.size()) / mean);
    return mean < 1.0 ? 0 : 2;
}
