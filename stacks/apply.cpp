#include "stacks/apply.h"

namespace kontena::stacks {

namespace {

void collect(const Stack& s, const std::string& parent, bool deploy, std::vector<StackApplyStep>& out) {
    StackApplyStep step;
    step.stack = &s;
    step.parent = parent;
    step.event.stack = s.name;
    step.event.deploy = deploy;
    for (const Stack& child : s.dependencies) {
        collect(child, s.name, false, out);
        step.event.dependsOn.push_back(child.name);
    }
    for (const StackVolume& v : s.volumes) step.event.volumes.push_back(ev::StackVolume{v.name, v.external, v.externalName});
    for (const StackService& svc : s.services) {
        ServiceSpec spec = svc.spec;
        spec.stack = s.name;   // a service belongs to the stack instance it was installed as
        step.event.services.push_back(std::move(spec));
    }
    out.push_back(std::move(step));
}

}  // namespace

std::vector<StackApplyStep> stackApplySteps(const Stack& root, bool deployRoot) {
    std::vector<StackApplyStep> out;
    collect(root, std::string(), deployRoot, out);
    return out;
}

}  // namespace kontena::stacks
