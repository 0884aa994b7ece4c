// `kontena version`
#include "command.h"

namespace kontena::cli {

Group versionGroup() {
    return {QStringLiteral("version"), QStringLiteral("Show the version of the client"), [](const QStringList&) {
                printOut(QStringLiteral("kontena-cli %1\n").arg(QStringLiteral(KONTENA_VERSION)));
                return static_cast<int>(Ok);
            }};
}

}  // namespace kontena::cli
