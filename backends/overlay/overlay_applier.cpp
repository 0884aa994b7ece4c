#include "backends/overlay/overlay_applier.h"

#include <QProcess>
#include <QStringList>

namespace kontena::overlay {

Result<std::string> OverlayApplier::run(const Command& c) const {
    QStringList args;
    QString program;
    if (!netns_.empty()) {
        program = QStringLiteral("ip");
        args << QStringLiteral("netns") << QStringLiteral("exec") << QString::fromStdString(netns_);
        for (const auto& a : c) args << QString::fromStdString(a);
    } else {
        program = QString::fromStdString(c.front());
        for (std::size_t i = 1; i < c.size(); ++i) args << QString::fromStdString(c[i]);
    }
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(10000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        std::string line;
        for (const auto& a : c) line += (line.empty() ? "" : " ") + a;
        const QByteArray err = p.readAllStandardError().trimmed();
        return Error{"'" + line + "' failed: " + (err.isEmpty() ? p.errorString().toStdString() : err.toStdString())};
    }
    return p.readAllStandardOutput().toStdString();
}

Result<Done> OverlayApplier::ensureSetup(const NodeAddress& self) const {
    if (overlayAddress(c_, self.number).empty()) {
        return Error{"node number " + std::to_string(self.number) + " has no overlay address in " + c_.gridSubnet};
    }
    if (run({"ip", "link", "show", "dev", c_.bridge})) return Done{};
    for (const auto& cmd : setupCommands(c_, self)) {
        auto r = run(cmd);
        if (!r) {
            teardown();   // no half-built overlay left behind
            return r.error();
        }
    }
    return Done{};
}

Result<Done> OverlayApplier::ensureVxlan(const NodeAddress& self) const {
    if (run({"ip", "link", "show", "dev", c_.vxlan})) return Done{};
    for (const auto& cmd : vxlanCommands(c_, self)) {
        auto r = run(cmd);
        if (!r) {
            (void)run({"ip", "link", "del", c_.vxlan});
            return r.error();
        }
    }
    return Done{};
}

Result<std::set<std::string>> OverlayApplier::peers() const {
    auto shown = run({"bridge", "fdb", "show", "dev", c_.vxlan});
    if (!shown) return shown.error();
    return parseFloodPeers(shown.value());
}

Result<int> OverlayApplier::syncPeers(const std::set<std::string>& desired) const {
    auto current = peers();
    if (!current) return current.error();
    const auto cmds = fdbCommands(c_, current.value(), desired);
    for (const auto& cmd : cmds) {
        auto r = run(cmd);
        if (!r) return r.error();
    }
    return static_cast<int>(cmds.size());
}

void OverlayApplier::teardown() const {
    (void)run({"ip", "link", "del", c_.vxlan});
    (void)run({"ip", "link", "del", c_.bridge});
}

}  // namespace kontena::overlay
