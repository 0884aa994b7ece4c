#include "terminal_backend.h"

#include <unistd.h>

#include <iostream>
#include <string>

namespace kontena::cli {

bool stdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }
bool stdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::optional<std::string> TerminalBackend::prompt(const stacks::PromptRequest& request) {
    std::cerr << request.question;
    if (!request.options.empty()) {
        std::cerr << " (";
        for (std::size_t i = 0; i < request.options.size(); ++i) std::cerr << (i ? ", " : "") << request.options[i];
        std::cerr << ")";
    }
    if (request.defaultText) std::cerr << " [" << *request.defaultText << "]";
    std::cerr << ": " << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (line.empty()) return std::nullopt;  // the default (if any) applies
    return line;
}

}  // namespace kontena::cli
