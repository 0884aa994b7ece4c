#pragma once
// NetnsNodes: N "nodes" as network namespaces of the test's own, each with a
// veth link into one underlay bridge that lives in a namespace of its own,
// so nothing touches the machine's network. Node i (1-based) has underlay
// address 192.0.2.i/24 (TEST-NET-1; it exists only inside these
// namespaces). Everything is deleted when the object dies.

#include <QCoreApplication>
#include <QProcess>
#include <QStringList>

#include <string>
#include <vector>

namespace kontena::testing {

class NetnsNodes {
public:
    explicit NetnsNodes(int n) : prefix_("kt" + std::to_string(QCoreApplication::applicationPid() % 100000)) {
        ok_ = sh({"ip", "netns", "add", underlay()}) && sh({"ip", "-n", underlay(), "link", "add", "br0", "type", "bridge"}) &&
              sh({"ip", "-n", underlay(), "link", "set", "br0", "up"});
        for (int i = 1; ok_ && i <= n; ++i) ok_ = addNode(i);
        count_ = n;
    }
    ~NetnsNodes() {
        for (int i = 1; i <= count_; ++i) sh({"ip", "netns", "del", node(i)});
        sh({"ip", "netns", "del", underlay()});
    }
    bool ok() const { return ok_; }
    std::string node(int i) const { return prefix_ + "n" + std::to_string(i); }
    std::string underlayAddress(int i) const { return "192.0.2." + std::to_string(i); }
    // Cuts (or restores) node i's underlay link: a partition.
    bool setLink(int i, bool up) { return sh({"ip", "-n", underlay(), "link", "set", vethOutside(i), up ? "up" : "down"}); }
    // One ping from node `from` to `address`, 1 s at most.
    bool ping(int from, const std::string& address) {
        return sh({"ip", "netns", "exec", node(from), "busybox", "ping", "-c", "1", "-W", "1", address});
    }

    static bool sh(const std::vector<std::string>& argv) {
        QStringList args;
        for (std::size_t i = 1; i < argv.size(); ++i) args << QString::fromStdString(argv[i]);
        QProcess p;
        p.start(QString::fromStdString(argv[0]), args);
        return p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }

    // The namespace holding the underlay bridge br0 (a master can live there).
    std::string underlay() const { return prefix_ + "u"; }
    // Gives the underlay namespace an address on br0 (e.g. 192.0.2.254/24).
    bool addUnderlayAddress(const std::string& cidr) { return sh({"ip", "-n", underlay(), "addr", "add", cidr, "dev", "br0"}) &&
                                                              sh({"ip", "-n", underlay(), "link", "set", "lo", "up"}); }

private:
    std::string vethOutside(int i) const { return prefix_ + "o" + std::to_string(i); }
    bool addNode(int i) {
        const std::string ns = node(i), in = prefix_ + "i" + std::to_string(i), out = vethOutside(i);
        return sh({"ip", "netns", "add", ns}) && sh({"ip", "-n", ns, "link", "set", "lo", "up"}) &&
               sh({"ip", "-n", ns, "link", "add", in, "type", "veth", "peer", "name", out, "netns", underlay()}) &&
               sh({"ip", "-n", underlay(), "link", "set", out, "master", "br0"}) && sh({"ip", "-n", underlay(), "link", "set", out, "up"}) &&
               sh({"ip", "-n", ns, "addr", "add", underlayAddress(i) + "/24", "dev", in}) && sh({"ip", "-n", ns, "link", "set", in, "up"});
    }

    std::string prefix_;
    int count_ = 0;
    bool ok_ = false;
};

}  // namespace kontena::testing
