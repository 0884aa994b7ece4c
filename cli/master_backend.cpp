#include "cli/master_backend.h"

#include "api/paths.h"
#include "api/secret.h"

namespace kontena::cli {

std::optional<std::string> MasterBackend::vaultRead(const std::string& secret) {
    Session* s = call_.session();
    if (!s) return std::nullopt;
    const QString name = QString::fromStdString(secret);
    const client::ApiResult r = s->api->get(api::paths::secret(s->grid, name));
    if (r.status == 404) return std::nullopt;   // no such secret: the next resolver answers
    if (!r.ok()) {
        if (error_.isEmpty()) error_ = QStringLiteral("cannot read vault secret %1: %2").arg(name, r.error->message);
        return std::nullopt;
    }
    const auto decoded = api::Secret::fromJson(r.body);
    if (!decoded.ok() || !decoded.value().value) return std::nullopt;
    return decoded.value().value->toStdString();
}

std::optional<std::string> MasterBackend::prompt(const stacks::PromptRequest& request) {
    return terminal_ ? TerminalBackend::prompt(request) : std::nullopt;
}

bool writeVault(Call& call, const stacks::Stack& stack) {
    for (const stacks::Stack& child : stack.dependencies) {
        if (!writeVault(call, child)) return false;
    }
    Session* s = call.session();
    if (!s) return false;
    for (const auto& [secret, value] : stack.vaultWrites) {
        api::SecretUpdate body;
        body.value = QString::fromStdString(value);
        body.upsert = true;
        if (!call.put(api::paths::secret(s->grid, QString::fromStdString(secret)), body)) return false;
    }
    return true;
}

}  // namespace kontena::cli
