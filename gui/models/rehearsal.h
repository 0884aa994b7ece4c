#pragma once
// A scenario run kept for the admin GUI: the report, the timeline drawing
// (the same SVG `kontena-sim --timeline` writes) and the grid as it was at
// every instant the simulator completed, so the views can show any moment.

#include <QString>
#include <QStringList>

#include <optional>
#include <string>
#include <vector>

#include "simulator/engine/engine.h"
#include "simulator/scenario.h"

namespace kontena::gui {

struct NodeFrame {
    QString name;
    int number = 0;
    bool initial = false;
    QString status;          // created / connecting / online / drain / offline
    QString labels;
    QStringList instances;   // "web/api-1 running"
};

struct PendingInstance {
    QString instance;        // "web/api-3"
    QString why;             // the last reason the platform gave
};

struct Frame {
    Instant at;
    bool quorum = true;
    QString quorumSummary;
    std::vector<NodeFrame> nodes;
    std::vector<PendingInstance> pending;
};

class Rehearsal {
public:
    // Runs `scenario` with `seed` (nullopt: the scenario's own seed).
    static Rehearsal run(const sim::Scenario& scenario, std::optional<std::uint64_t> seed = std::nullopt);

    const sim::RunReport& report() const { return report_; }
    const std::string& svg() const { return svg_; }
    const std::vector<Frame>& frames() const { return frames_; }
    // The grid at `t`: the last frame at or before it (the first if none).
    const Frame& frameAt(Instant t) const;
    Instant end() const { return report_.end; }
    // Times of the timeline's entries (events, refusals, moves), sorted.
    std::vector<Instant> eventTimes() const;

private:
    sim::RunReport report_;
    std::string svg_;
    std::vector<Frame> frames_;
};

}  // namespace kontena::gui
