#pragma once
// The timeline picture of a run: one row per node, simulated time across;
// each instance a bar coloured by its service; offline and drain periods
// shaded; quorum loss marked; every event and refusal a marker whose
// tooltip (<title>) carries its message. Plain SVG text, so kontena-sim
// writes it and the admin GUI shows the same drawing (Qt Svg).

#include <string>

#include "simulator/engine/engine.h"

namespace kontena::sim {

struct TimelineStyle {
    int width = 1400;          // pixels of the whole picture
    int rowHeight = 26;
    int labelWidth = 120;
};

std::string renderTimelineSvg(const RunReport& report, const TimelineStyle& style = {});

// A stable colour for a service name ("#rrggbb").
std::string serviceColour(const std::string& service);

}  // namespace kontena::sim
