#include "command.h"

#include "dispatch.h"

#include <cstdio>

namespace kontena::cli {

const std::vector<Group>& groups() {
    // Kontena's order (its `kontena --help`), without cloud, plugin, app, vpn, registry and etcd.
    static const std::vector<Group> all = {gridGroup(),      stackGroup(),     serviceGroup(),          vaultGroup(),
                                           certificateGroup(), nodeGroup(),    masterGroup(),           containerGroup(),
                                           externalRegistryGroup(), whoamiGroup(), versionGroup(),      volumeGroup()};
    return all;
}

void printOut(const QString& text) {
    if (collectingTree()) return;
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stdout);
}

void printErr(const QString& text) {
    if (collectingTree()) return;
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stderr);
}

}  // namespace kontena::cli
