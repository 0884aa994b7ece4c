#pragma once
// The stack-file resolvers a master answers, for `stack install|upgrade`:
// `from: vault` reads the grid's secret (nullopt when it does not exist);
// prompts go to the terminal when there is one. `to: vault` setters are
// not written while resolving: the stack's vaultWrites are written by
// writeVault() once the whole file rendered, before it is sent.

#include <QString>

#include "cli/session.h"
#include "cli/terminal_backend.h"
#include "stacks/stack.h"

namespace kontena::cli {

class MasterBackend : public TerminalBackend {
public:
    MasterBackend(Call& call, bool terminal) : call_(call), terminal_(terminal) {}
    std::optional<std::string> vaultRead(const std::string& secret) override;
    std::optional<std::string> prompt(const stacks::PromptRequest& request) override;
    // The first vault read that failed for another reason than "no such
    // secret" (no role to read values, vault not configured): the stack
    // must not be installed with values made up in its place.
    const QString& error() const { return error_; }

private:
    Call& call_;
    bool terminal_;
    QString error_;
};

// Writes the `to: vault` values of `stack` and its child stacks (upsert).
// False, with the reason printed, when one fails.
bool writeVault(Call& call, const stacks::Stack& stack);

}  // namespace kontena::cli
