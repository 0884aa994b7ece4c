// scaledScenario: the same story at another speed (scenario.h).
#include <cmath>

#include "simulator/scenario.h"

namespace kontena::sim {

namespace {

Instant scaled(Instant t, double factor) {
    return Instant(static_cast<std::int64_t>(std::llround(static_cast<double>(t.ms) * factor)));
}

}  // namespace

Scenario scaledScenario(const Scenario& s, double factor) {
    Scenario out = s;
    out.until = scaled(s.end(), factor);
    out.grid.settings = scaledTimings(s.grid.settings, factor);
    for (ScenarioNode& n : out.nodes) n.connectAt = scaled(n.connectAt, factor);
    for (Event& e : out.events) {
        e.at = scaled(e.at, factor);
        if (auto* add = std::get_if<NodeAdd>(&e.action))
            for (ScenarioNode& n : add->nodes) n.connectAt = e.at;
    }
    for (Check& c : out.expect) {
        c.when.from = scaled(c.when.from, factor);
        c.when.to = scaled(c.when.to, factor);
    }
    return out;
}

Scenario realHostScenario(const Scenario& s) {
    const RealRunOptions opt = s.real.value_or(RealRunOptions{});
    Scenario out = scaledScenario(s, opt.timeScale);
    out.grid.settings.containerStart = opt.containerStart;
    return out;
}

}  // namespace kontena::sim
