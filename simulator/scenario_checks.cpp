// The `expect:` list: each check is `at` (or `from` and `to`), one subject
// and the subject's keys.
#include <algorithm>

#include "simulator/scenario_parse.h"
#include "simulator/scenario_values.h"

namespace kontena::sim {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000;

const std::vector<std::string_view> kServiceKeys{"running", "min_running", "max_running", "on",
                                                 "not_on",  "spread",      "healthy"};
const std::vector<std::string_view> kInstanceKeys{"on", "state"};
const std::vector<std::string_view> kNodeKeys{"status", "number", "exists", "availability", "initial", "instances"};
const std::vector<std::string_view> kSubjects{"service", "instance", "node", "quorum", "refused",
                                              "accepted", "moves", "last_deploy", "restarts"};

// The keys a subject allows next to it in the check's map.
const std::vector<std::string_view>& keysOf(std::string_view subject) {
    static const std::vector<std::string_view> none;
    if (subject == "service") return kServiceKeys;
    if (subject == "instance") return kInstanceKeys;
    if (subject == "node") return kNodeKeys;
    return none;
}

struct CheckContext {
    Reader& r;
    const Fields& f;     // the check's own map
    ParsedCheck& out;
};

std::optional<int> count(CheckContext& c, std::string_view key) {
    const Field* field = c.f.find(key);
    if (!field) return std::nullopt;
    const auto v = c.r.integer(field->value, key, 0, kMaxCount);
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
}

std::optional<ServiceRef> serviceRef(CheckContext& c, const YAML::Node& n) {
    auto ref = c.r.service(n, "service");
    if (ref) c.out.refs.stacks.push_back({ref->stack, Reader::pos(n)});
    return ref;
}

std::optional<InstanceRef> instanceRef(CheckContext& c, const YAML::Node& n) {
    auto ref = c.r.instance(n, "instance");
    if (ref) c.out.refs.stacks.push_back({ref->service.stack, Reader::pos(n)});
    return ref;
}

std::optional<std::string> nodeRef(CheckContext& c, const YAML::Node& n) {
    auto name = c.r.nodeName(n, "node");
    if (name) c.out.refs.nodes.push_back({*name, Reader::pos(n)});
    return name;
}

// `on: [nodes]`; a single name is read as a list of one.
std::optional<std::vector<std::string>> nodeList(CheckContext& c, std::string_view key) {
    const Field* field = c.f.find(key);
    if (!field) return std::nullopt;
    std::vector<std::string> out;
    if (field->value.IsScalar()) {
        if (auto n = nodeRef(c, field->value)) out.push_back(*n);
        return out;
    }
    if (!field->value.IsSequence()) {
        c.r.error(field->value, std::string(key) + " must be a list of node names");
        return out;
    }
    for (const auto& item : field->value) {
        if (auto n = nodeRef(c, item)) out.push_back(*n);
    }
    return out;
}

template <typename E>
std::optional<E> choice(CheckContext& c, std::string_view key, const std::vector<std::pair<std::string, E>>& options) {
    const Field* field = c.f.find(key);
    if (!field) return std::nullopt;
    const auto text = c.r.string(field->value, key);
    if (!text) return std::nullopt;
    std::string names;
    for (const auto& [name, value] : options) {
        if (name == *text) return value;
        names += (names.empty() ? "" : ", ") + name;
    }
    c.r.error(field->value, std::string(key) + ": expected one of " + names + ", not " + quote(*text));
    return std::nullopt;
}

std::optional<bool> flag(CheckContext& c, std::string_view key) {
    const Field* field = c.f.find(key);
    return field ? c.r.boolean(field->value, key) : std::nullopt;
}

// A subject with conditions needs at least one of them.
bool hasAnyKey(CheckContext& c, std::string_view subject) {
    for (auto key : keysOf(subject)) {
        if (c.f.has(key)) return true;
    }
    c.r.error(c.f.pos, "a " + std::string(subject) + " check needs at least one condition");
    return false;
}

std::optional<CheckSubject> serviceCheck(CheckContext& c, const YAML::Node& value) {
    ServiceCheck s;
    const auto ref = serviceRef(c, value);
    s.running = count(c, "running");
    s.minRunning = count(c, "min_running");
    s.maxRunning = count(c, "max_running");
    s.healthy = count(c, "healthy");
    s.on = nodeList(c, "on");
    s.notOn = nodeList(c, "not_on");
    if (const Field* spread = c.f.find("spread")) {
        s.spread = c.r.string(spread->value, "spread");
        if (s.spread && (s.spread->empty() || s.spread->find('=') != std::string::npos)) {
            c.r.error(spread->value, "spread takes a label name, e.g. az");
        }
    }
    if (s.minRunning && s.maxRunning && *s.minRunning > *s.maxRunning) {
        c.r.error(c.f.pos, "min_running is greater than max_running");
    }
    if (!hasAnyKey(c, "service") || !ref) return std::nullopt;
    s.service = *ref;
    return s;
}

std::optional<CheckSubject> instanceCheck(CheckContext& c, const YAML::Node& value) {
    InstanceCheck s;
    const auto ref = instanceRef(c, value);
    if (const Field* on = c.f.find("on")) s.on = nodeRef(c, on->value);
    s.state = choice<InstanceState>(c, "state", {{"running", InstanceState::Running},
                                                 {"stopped", InstanceState::Stopped},
                                                 {"missing", InstanceState::Missing}});
    if (!hasAnyKey(c, "instance") || !ref) return std::nullopt;
    s.instance = *ref;
    return s;
}

std::optional<CheckSubject> nodeCheck(CheckContext& c, const YAML::Node& value) {
    NodeCheck s;
    const auto name = nodeRef(c, value);
    s.status = choice<NodeStatus>(c, "status", {{"online", NodeStatus::Online},
                                                {"offline", NodeStatus::Offline},
                                                {"drain", NodeStatus::Drain}});
    if (const Field* number = c.f.find("number")) {
        if (auto v = c.r.integer(number->value, "number", 1, static_cast<std::int64_t>(kMaxNodes))) {
            s.number = static_cast<int>(*v);
        }
    }
    s.exists = flag(c, "exists");
    s.availability = choice<Availability>(c, "availability", {{"active", Availability::Active},
                                                              {"drain", Availability::Drain}});
    s.initial = flag(c, "initial");
    s.instances = count(c, "instances");
    if (!hasAnyKey(c, "node") || !name) return std::nullopt;
    s.node = *name;
    return s;
}

std::optional<CheckSubject> quorumCheck(CheckContext& c, const YAML::Node& value) {
    const auto v = c.r.boolean(value, "quorum");
    if (!v) return std::nullopt;
    return QuorumCheck{*v};
}

// `event: N` (1-based index) or `event: ACTION`.
std::optional<EventSelector> eventSelector(CheckContext& c, const Fields& f, std::string_view what) {
    const Field* field = c.r.require(f, "event", what);
    if (!field) return std::nullopt;
    c.out.eventPos = Reader::pos(field->value, f.pos);
    const auto text = c.r.string(field->value, "event");
    if (!text) return std::nullopt;
    if (!text->empty() && std::all_of(text->begin(), text->end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        const auto n = c.r.integer(field->value, "event", 1, 1'000'000);
        if (!n) return std::nullopt;
        return EventSelector(static_cast<int>(*n));
    }
    const auto& names = actionNames();
    if (std::find(names.begin(), names.end(), *text) == names.end()) {
        c.r.error(field->value, "event: expected an event number (from 1) or an action name such as deploy, not " +
                                    quote(*text));
        return std::nullopt;
    }
    return EventSelector(*text);
}

std::optional<std::string> message(CheckContext& c, const Fields& f) {
    const Field* field = f.find("message");
    return field ? c.r.string(field->value, "message") : std::nullopt;
}

std::optional<CheckSubject> refusedCheck(CheckContext& c, const YAML::Node& value) {
    const auto f = c.r.fields(value, "refused", {"event", "message"});
    if (!f) return std::nullopt;
    const auto event = eventSelector(c, *f, "refused");
    const auto text = message(c, *f);
    if (!event || (f->has("message") && !text)) return std::nullopt;
    return RefusedCheck{*event, text};
}

std::optional<CheckSubject> acceptedCheck(CheckContext& c, const YAML::Node& value) {
    const auto f = c.r.fields(value, "accepted", {"event"});
    if (!f) return std::nullopt;
    const auto event = eventSelector(c, *f, "accepted");
    if (!event) return std::nullopt;
    return AcceptedCheck{*event};
}

std::optional<CheckSubject> movesCheck(CheckContext& c, const YAML::Node& value) {
    const auto f = c.r.fields(value, "moves", {"service", "max"});
    if (!f) return std::nullopt;
    const Field* svc = c.r.require(*f, "service", "moves");
    const Field* max = c.r.require(*f, "max", "moves");
    const auto ref = svc ? serviceRef(c, svc->value) : std::nullopt;
    const auto n = max ? c.r.integer(max->value, "max", 0, kMaxCount) : std::nullopt;
    if (!ref || !n) return std::nullopt;
    return MovesCheck{*ref, static_cast<int>(*n)};
}

std::optional<CheckSubject> lastDeployCheck(CheckContext& c, const YAML::Node& value) {
    const auto f = c.r.fields(value, "last_deploy", {"service", "state", "message"});
    if (!f) return std::nullopt;
    const Field* svc = c.r.require(*f, "service", "last_deploy");
    const Field* state = c.r.require(*f, "state", "last_deploy");
    const auto ref = svc ? serviceRef(c, svc->value) : std::nullopt;
    CheckContext inner{c.r, *f, c.out};
    const auto parsed = state ? choice<DeployOutcome>(inner, "state", {{"success", DeployOutcome::Success},
                                                                     {"error", DeployOutcome::Error}})
                              : std::nullopt;
    const auto text = message(c, *f);
    if (!ref || !parsed || (f->has("message") && !text)) return std::nullopt;
    LastDeployCheck out{*ref, *parsed, text};
    if (out.state == DeployOutcome::Success && out.message) {
        c.r.error(f->find("message")->keyNode, "message applies only to state: error");
        return std::nullopt;
    }
    return out;
}

std::optional<CheckSubject> restartsCheck(CheckContext& c, const YAML::Node& value) {
    const auto f = c.r.fields(value, "restarts", {"service", "instance", "min", "max"});
    if (!f) return std::nullopt;
    const Field* svc = f->find("service");
    const Field* inst = f->find("instance");
    if ((svc == nullptr) == (inst == nullptr)) {
        c.r.error(f->pos, "restarts needs exactly one of 'service' or 'instance'");
        return std::nullopt;
    }
    RestartsCheck out;
    if (svc) {
        const auto ref = serviceRef(c, svc->value);
        if (!ref) return std::nullopt;
        out.target = *ref;
    } else {
        const auto ref = instanceRef(c, inst->value);
        if (!ref) return std::nullopt;
        out.target = *ref;
    }
    CheckContext inner{c.r, *f, c.out};
    out.min = count(inner, "min");
    out.max = count(inner, "max");
    if (!f->has("min") && !f->has("max")) {
        c.r.error(f->pos, "restarts needs 'min' or 'max' (or both)");
        return std::nullopt;
    }
    if ((f->has("min") && !out.min) || (f->has("max") && !out.max)) return std::nullopt;
    if (out.min && out.max && *out.min > *out.max) {
        c.r.error(f->pos, "restarts: min is greater than max");
        return std::nullopt;
    }
    return out;
}

using SubjectParser = std::optional<CheckSubject> (*)(CheckContext&, const YAML::Node&);

// In the order of CheckSubject's alternatives.
const std::vector<std::pair<std::string_view, SubjectParser>> kSubjectParsers{
    {"service", serviceCheck}, {"instance", instanceCheck},   {"node", nodeCheck},
    {"quorum", quorumCheck},   {"refused", refusedCheck},     {"accepted", acceptedCheck},
    {"moves", movesCheck},     {"last_deploy", lastDeployCheck}, {"restarts", restartsCheck},
};

// `at`, or `from` and `to`.
std::optional<CheckWindow> window(Reader& r, const Fields& f, const std::string& what) {
    const Field* at = f.find("at");
    const Field* from = f.find("from");
    const Field* to = f.find("to");
    if (at && (from || to)) {
        r.error(Reader::pos((from ? from : to)->keyNode, f.pos), what + " has 'at' and 'from'/'to': use one form");
        return std::nullopt;
    }
    if (at) {
        const auto t = r.instant(at->value, "at");
        if (!t) return std::nullopt;
        return CheckWindow{*t, *t, false};
    }
    if (!from || !to) {
        r.error(f.pos, what + " needs 'at', or both 'from' and 'to'");
        return std::nullopt;
    }
    const auto a = r.instant(from->value, "from");
    const auto b = r.instant(to->value, "to");
    if (!a || !b) return std::nullopt;
    if (*b < *a) {
        r.error(Reader::pos(to->value, f.pos), what + ": 'to' is before 'from'");
        return std::nullopt;
    }
    return CheckWindow{*a, *b, true};
}

// The subject key of a check, or nullptr after reporting why not.
const Field* subjectField(Reader& r, const Fields& f, const std::string& what) {
    const Field* subject = nullptr;
    for (const auto& field : f.entries) {
        if (std::find(kSubjects.begin(), kSubjects.end(), field.key) == kSubjects.end()) continue;
        if (subject) {
            r.error(Reader::pos(field.keyNode, f.pos),
                    what + " has more than one subject: " + quote(subject->key) + " and " + quote(field.key));
            return nullptr;
        }
        subject = &field;
    }
    if (!subject) r.error(f.pos, what + " has no subject (service, instance, node, quorum, refused, ...)");
    return subject;
}

// Keys that belong to another subject than this check's.
bool keysFit(Reader& r, const Fields& f, const Field& subject, const std::string& what) {
    bool ok = true;
    const auto& own = keysOf(subject.key);
    for (const auto& field : f.entries) {
        const bool structural = field.key == "at" || field.key == "from" || field.key == "to" || &field == &subject;
        if (structural || std::find(own.begin(), own.end(), field.key) != own.end()) continue;
        r.error(Reader::pos(field.keyNode, f.pos),
                quote(field.key) + " does not apply to a " + subject.key + " check in " + what);
        ok = false;
    }
    return ok;
}

std::optional<ParsedCheck> readCheck(Reader& r, const YAML::Node& n, int index) {
    const std::string what = "check " + std::to_string(index);
    std::vector<std::string_view> allowed{"at", "from", "to"};
    allowed.insert(allowed.end(), kSubjects.begin(), kSubjects.end());
    for (auto keys : {&kServiceKeys, &kInstanceKeys, &kNodeKeys}) {
        for (auto k : *keys) {
            if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) allowed.push_back(k);
        }
    }
    const auto f = r.fields(n, what, allowed);
    if (!f) return std::nullopt;
    const auto when = window(r, *f, what);
    const Field* subject = subjectField(r, *f, what);
    if (!subject || !keysFit(r, *f, *subject, what)) return std::nullopt;
    ParsedCheck out;
    CheckContext c{r, *f, out};
    const auto parser = std::find_if(kSubjectParsers.begin(), kSubjectParsers.end(),
                                     [&](const auto& p) { return p.first == subject->key; });
    auto parsed = parser->second(c, subject->value);
    if (!parsed || !when) return std::nullopt;
    out.check = Check{index, *when, std::move(*parsed), f->pos};
    return out;
}

}  // namespace

std::string subjectName(const CheckSubject& s) {
    return std::string(kSubjectParsers.at(s.index()).first);
}

std::vector<ParsedCheck> readChecks(Reader& r, const YAML::Node& list) {
    if (list.IsNull()) return {};
    if (!list.IsSequence()) {
        r.error(list, "expect must be a list of checks");
        return {};
    }
    std::vector<ParsedCheck> out;
    int index = 0;
    for (const auto& item : list) {
        if (auto c = readCheck(r, item, ++index)) out.push_back(std::move(*c));
    }
    return out;
}

}  // namespace kontena::sim
