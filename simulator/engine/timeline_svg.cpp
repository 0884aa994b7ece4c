#include "simulator/engine/timeline_svg.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <cstdio>
#include <map>
#include <sstream>

#include "scheduler/random.h"

namespace kontena::sim {

namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

bool isMarker(const TimelineEntry& e) {
    return e.kind == "event" || e.kind == "event_refused" || e.kind == "placement_failed" || e.kind == "deploy_failed" ||
           e.kind == "instance_crashed" || e.kind == "instance_restarted" || e.kind == "quorum_lost";
}

}  // namespace

std::string serviceColour(const std::string& service) {
    const std::uint64_t h = splitmix64(stableHash(service));
    const int hue = static_cast<int>(h % 360);
    // HSL(hue, 55%, 55%) to RGB.
    const double s = 0.55, l = 0.55;
    const double c = (1 - std::abs(2 * l - 1)) * s;
    const double hp = hue / 60.0;
    const double x = c * (1 - std::abs(std::fmod(hp, 2.0) - 1));
    double r = 0, g = 0, b = 0;
    if (hp < 1) { r = c; g = x; } else if (hp < 2) { r = x; g = c; } else if (hp < 3) { g = c; b = x; }
    else if (hp < 4) { g = x; b = c; } else if (hp < 5) { r = x; b = c; } else { r = c; b = x; }
    const double m = l - c / 2;
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>((r + m) * 255), static_cast<int>((g + m) * 255),
                  static_cast<int>((b + m) * 255));
    return buf;
}

std::string renderTimelineSvg(const RunReport& r, const TimelineStyle& st) {
    std::vector<std::string> nodes = r.nodes;
    std::map<std::string, int> row;
    for (std::size_t i = 0; i < nodes.size(); ++i) row[nodes[i]] = static_cast<int>(i);
    std::map<std::string, std::vector<const InstanceSpan*>> byNode;
    for (const auto& s : r.instanceSpans) byNode[s.node].push_back(&s);
    std::set<std::string> services;
    for (const auto& s : r.instanceSpans) services.insert(s.service);

    const int top = 40, markerRow = 22;
    const int plotW = st.width - st.labelWidth - 20;
    const double span = std::max<double>(1.0, static_cast<double>(r.end.ms));
    auto xOf = [&](Instant t) { return st.labelWidth + plotW * (static_cast<double>(t.ms) / span); };
    const int legendRows = static_cast<int>((services.size() + 5) / 6);
    const int height = top + markerRow + static_cast<int>(nodes.size()) * st.rowHeight + 40 + legendRows * 18;

    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << st.width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
    o << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    o << "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">" << escape(r.scenario) << " (seed " << r.seed << ") — "
      << (r.passed ? "passed" : "FAILED") << "</text>\n";
    // Time axis.
    const int axisY = top + markerRow + static_cast<int>(nodes.size()) * st.rowHeight + 4;
    const std::int64_t steps[] = {1000, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000, 7200000, 21600000};
    std::int64_t tick = steps[0];
    for (auto s : steps) {
        tick = s;
        if (span / static_cast<double>(s) <= 12) break;
    }
    for (std::int64_t t = 0; t <= r.end.ms; t += tick) {
        const double x = xOf(Instant(t));
        o << "<line x1=\"" << num(x) << "\" y1=\"" << top << "\" x2=\"" << num(x) << "\" y2=\"" << axisY
          << "\" stroke=\"#eeeeee\"/><text x=\"" << num(x) << "\" y=\"" << axisY + 14 << "\" text-anchor=\"middle\" fill=\"#555\">"
          << formatDuration(Duration(t)) << "</text>\n";
    }
    // Quorum loss across the whole picture.
    for (const auto& q : r.quorumLoss) {
        o << "<rect x=\"" << num(xOf(q.from)) << "\" y=\"" << top << "\" width=\"" << num(std::max(1.0, xOf(q.to) - xOf(q.from)))
          << "\" height=\"" << axisY - top << "\" fill=\"#ff0000\" fill-opacity=\"0.08\"><title>etcd quorum lost from "
          << formatDuration(q.from - Instant(0)) << " to " << formatDuration(q.to - Instant(0)) << "</title></rect>\n";
    }
    // Rows.
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const int y = top + markerRow + static_cast<int>(i) * st.rowHeight;
        o << "<text x=\"8\" y=\"" << y + st.rowHeight / 2 + 4 << "\">" << escape(nodes[i]) << "</text>\n";
        o << "<line x1=\"" << st.labelWidth << "\" y1=\"" << y + st.rowHeight << "\" x2=\"" << st.width - 20 << "\" y2=\""
          << y + st.rowHeight << "\" stroke=\"#dddddd\"/>\n";
    }
    for (auto& [node, spans] : byNode) {
        std::stable_sort(spans.begin(), spans.end(), [](const InstanceSpan* a, const InstanceSpan* b) { return a->from < b->from; });
        auto it = row.find(node);
        if (it == row.end()) continue;
        const int y = top + markerRow + it->second * st.rowHeight;
        // Stack concurrent bars in lanes inside the row.
        std::vector<Instant> laneEnd;
        for (const InstanceSpan* s : spans) {
            std::size_t lane = 0;
            while (lane < laneEnd.size() && laneEnd[lane] > s->from) ++lane;
            if (lane == laneEnd.size()) laneEnd.push_back(s->to);
            else laneEnd[lane] = s->to;
        }
        const int lanes = std::max<int>(1, static_cast<int>(laneEnd.size()));
        const double h = std::max(2.0, (st.rowHeight - 4.0) / lanes);
        laneEnd.clear();
        for (const InstanceSpan* s : spans) {
            std::size_t lane = 0;
            while (lane < laneEnd.size() && laneEnd[lane] > s->from) ++lane;
            if (lane == laneEnd.size()) laneEnd.push_back(s->to);
            else laneEnd[lane] = s->to;
            o << "<rect x=\"" << num(xOf(s->from)) << "\" y=\"" << num(y + 2 + h * static_cast<double>(lane)) << "\" width=\""
              << num(std::max(1.0, xOf(s->to) - xOf(s->from))) << "\" height=\"" << num(h - 1) << "\" fill=\""
              << serviceColour(s->service) << "\"><title>" << escape(s->instance) << " on " << escape(s->node) << ", "
              << formatDuration(s->from - Instant(0)) << " – " << formatDuration(s->to - Instant(0)) << "</title></rect>\n";
        }
    }
    // Offline and drain periods over the bars: the instances there do not count.
    for (const auto& s : r.nodeSpans) {
        auto it = row.find(s.node);
        if (it == row.end()) continue;
        const int y = top + markerRow + it->second * st.rowHeight;
        o << "<rect x=\"" << num(xOf(s.from)) << "\" y=\"" << y << "\" width=\"" << num(std::max(1.0, xOf(s.to) - xOf(s.from)))
          << "\" height=\"" << st.rowHeight << "\" fill=\"" << (s.state == "offline" ? "#888888" : "#f0c040")
          << "\" fill-opacity=\"0.55\"><title>" << escape(s.node) << " " << s.state << " from " << formatDuration(s.from - Instant(0))
          << " to " << formatDuration(s.to - Instant(0)) << "</title></rect>\n";
    }
    // Markers for events, refusals and failures.
    for (const auto& e : r.timeline) {
        if (!isMarker(e)) continue;
        const double x = xOf(e.at);
        const bool bad = e.kind != "event" && e.kind != "instance_restarted";
        o << "<circle cx=\"" << num(x) << "\" cy=\"" << top + markerRow / 2 << "\" r=\"4\" fill=\"" << (bad ? "#d62728" : "#1f77b4")
          << "\"><title>" << formatDuration(e.at - Instant(0)) << " " << escape(e.kind) << " " << escape(e.subject) << ": "
          << escape(e.detail) << "</title></circle>\n";
    }
    // Legend.
    int k = 0;
    for (const auto& s : services) {
        const int lx = 8 + (k % 6) * 220, ly = axisY + 30 + (k / 6) * 18;
        o << "<rect x=\"" << lx << "\" y=\"" << ly - 9 << "\" width=\"12\" height=\"10\" fill=\"" << serviceColour(s) << "\"/><text x=\""
          << lx + 16 << "\" y=\"" << ly << "\">" << escape(s) << "</text>\n";
        ++k;
    }
    o << "</svg>\n";
    return o.str();
}

}  // namespace kontena::sim
