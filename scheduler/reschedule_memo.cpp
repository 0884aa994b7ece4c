#include "scheduler/reschedule_memo.h"

namespace kontena {

void RescheduleMemo::setEnabled(bool on) {
    enabled_ = on;
    checks_.clear();
    nodes_.clear();
}

const CleanCheck* RescheduleMemo::check(const std::string& service) const {
    auto it = checks_.find(service);
    return it == checks_.end() ? nullptr : &it->second;
}

const NodeSeen* RescheduleMemo::node(const std::string& name) const {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : &it->second;
}

void RescheduleMemo::apply(const RescheduleMemoUpdate& update) {
    if (!enabled_) return;
    for (const auto& [name, seen] : update.nodes) nodes_[name] = seen;
    for (const auto& service : update.voided) {
        auto it = checks_.find(service);
        if (it != checks_.end() && it->second.scope == CheckScope::OwnNodes) checks_.erase(it);
    }
    for (const auto& [service, clean] : update.checks) {
        if (clean) checks_[service] = *clean;
        else checks_.erase(service);
    }
}

}  // namespace kontena
