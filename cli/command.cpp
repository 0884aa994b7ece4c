#include "command.h"

#include <cstdio>

namespace kontena::cli {

const std::vector<Group>& groups() {
    static const std::vector<Group> all = {masterGroup(), gridGroup(), nodeGroup(), stackGroup(), serviceGroup(), containerGroup(), volumeGroup(), vaultGroup(), certificateGroup(), externalRegistryGroup(), whoamiGroup(), versionGroup()};
    return all;
}

void printOut(const QString& text) {
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stdout);
}

void printErr(const QString& text) {
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stderr);
}

}  // namespace kontena::cli
