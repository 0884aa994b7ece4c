#pragma once
// Answers `prompt` resolvers by asking on the terminal. Used only when
// standard input is a terminal; the master-backed resolvers (vault,
// service_link, ...) have no master to ask yet and answer nothing.

#include "stacks/sources.h"

namespace kontena::cli {

class TerminalBackend : public stacks::OfflineBackend {
public:
    std::optional<std::string> prompt(const stacks::PromptRequest& request) override;
};

// True when standard input is a terminal (so prompting is allowed).
bool stdinIsTerminal();
// True when standard output is a terminal (listings may shorten wide columns).
bool stdoutIsTerminal();

}  // namespace kontena::cli
