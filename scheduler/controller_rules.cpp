// Stack and service rules Kontena's master enforces before it changes
// anything (reference §3.6, §5.1, §5.3, §6.2, §6.4): in the core, so the
// master and the simulator refuse alike, whatever built the request.
#include <algorithm>

#include "scheduler/controller_internal.h"
#include "scheduler/dns.h"

namespace kontena::detail {

namespace {

bool refuseStack(Draft& d, RefusalKind kind, const std::string& stack, const std::string& why) {
    d.refuse(kind, "Stack " + stack + " is invalid: " + why);
    return false;
}

// §5.3: only external volumes, and each must exist in the grid.
bool checkStackVolumes(Draft& d, const ev::StackApply& e) {
    for (const auto& v : e.volumes) {
        if (!v.external) return refuseStack(d, RefusalKind::Invalid, e.stack, "volume " + v.name + ": Only external volumes supported");
        if (!d.base().volumes.count(v.externalName)) {
            return refuseStack(d, RefusalKind::NotFound, e.stack, "volume " + v.name + ": External volume " + v.externalName + " not found");
        }
    }
    return true;
}

bool hasAnonymousVolumeAt(const ServiceSpec& spec, const std::string& path) {
    return std::any_of(spec.volumes.begin(), spec.volumes.end(),
                       [&](const VolumeMount& m) { return m.kind == VolumeKind::Anonymous && m.path == path; });
}

// §5.1: an existing stateful service keeps its anonymous volumes (they live
// in its data container); named volumes and bind mounts may change.
std::string newAnonymousVolume(const Draft& d, const ServiceSpec& spec) {
    const Service* existing = d.service(spec.key());
    if (!existing || !existing->spec.stateful) return {};
    for (const auto& m : spec.volumes) {
        if (m.kind == VolumeKind::Anonymous && !hasAnonymousVolumeAt(existing->spec, m.path)) return m.path;
    }
    return {};
}

bool checkStackService(Draft& d, const std::string& stack, const ServiceSpec& spec) {
    if (spec.stateful && !spec.volumesFrom.empty()) {
        return refuseStack(d, RefusalKind::Invalid, stack, "service " + spec.name + ": Cannot combine stateful & volumes_from");
    }
    if (const std::string path = newAnonymousVolume(d, spec); !path.empty()) {
        return refuseStack(d, RefusalKind::Invalid, stack,
                           "service " + spec.name + ": Adding a new anonymous volume (" + path + ") to a stateful service is not supported");
    }
    const std::string tooLong = dns::nameLengthProblem(d.base().grid.name, spec.stack, spec.name, spec.instances);
    if (!tooLong.empty()) return refuseStack(d, RefusalKind::Invalid, stack, "service " + spec.name + ": " + tooLong);
    return true;
}

// The key a link of `from` points at: same stack unless it names another.
std::string linkTarget(const ServiceSpec& from, const Link& l) { return serviceKey(l.stack.empty() ? from.stack : l.stack, l.service); }

}  // namespace

bool checkStackApply(Draft& d, const ev::StackApply& e) {
    if (e.services.empty()) return refuseStack(d, RefusalKind::Invalid, e.stack, "a stack needs at least one service");
    if (!checkStackVolumes(d, e)) return false;
    for (const auto& spec : e.services) {
        if (!checkStackService(d, e.stack, spec)) return false;
    }
    std::vector<std::string> dropped;
    if (const Stack* old = d.stack(e.stack)) {
        for (const auto& key : old->services) {
            const bool kept = std::any_of(e.services.begin(), e.services.end(), [&](const ServiceSpec& s) { return s.key() == key; });
            if (!kept) dropped.push_back(key);
        }
    }
    return checkNotLinkedFromOtherStacks(d, e.stack, dropped, "upgrade stack " + e.stack);
}

std::vector<ServiceSpec> withStackVolumes(const Draft& d, const ev::StackApply& e) {
    std::vector<ServiceSpec> out = e.services;
    for (auto& spec : out) {
        for (auto& m : spec.volumes) {
            if (m.kind != VolumeKind::Named) continue;
            const auto sv = std::find_if(e.volumes.begin(), e.volumes.end(), [&](const ev::StackVolume& v) { return v.name == m.source; });
            if (sv == e.volumes.end()) continue;
            if (auto it = d.base().volumes.find(sv->externalName); it != d.base().volumes.end()) m.volume = it->second;
        }
    }
    return out;
}

bool checkInstanceNames(Draft& d, const ServiceSpec& spec, int instances, const std::string& action) {
    const std::string tooLong = dns::nameLengthProblem(d.base().grid.name, spec.stack, spec.name, instances);
    if (tooLong.empty()) return true;
    d.refuse(RefusalKind::Invalid, "Cannot " + action + ": " + tooLong);
    return false;
}

bool checkNotLinkedFromOtherStacks(Draft& d, const std::string& stack, const std::vector<std::string>& services,
                                   const std::string& action) {
    for (const auto& target : services) {
        std::string from;
        for (const auto& [key, svc] : d.base().services) {
            if (svc.spec.stack == stack) continue;   // links inside the stack go with it
            for (const auto& l : svc.spec.links) {
                if (linkTarget(svc.spec, l) == target) {
                    from += (from.empty() ? "" : ", ") + key;
                    break;
                }
            }
        }
        if (from.empty()) continue;
        d.refuse(RefusalKind::Conflict, "Cannot " + action + ": Cannot delete service " + target +
                                            " that is linked from another stack (" + from + ")");
        return false;
    }
    return true;
}

}  // namespace kontena::detail
