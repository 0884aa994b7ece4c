// The admin GUI's timeline for a 24-hour, 1,000-node run: build the shared
// SVG drawing and render window-sized frames of it scrolled to different
// places, as QSvgWidget in a scroll area does (the whole document painted
// with the viewport as clip). The run is synthesised: every node hosts
// three instance bars, one node goes offline every minute for five minutes,
// with an event marker each time.
//   bench_gui_timeline [--nodes 1000] [--hours 24] [--frames 20]
#include <QGuiApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench/bench_util.h"
#include "simulator/engine/timeline_svg.h"

using namespace kontena;

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    int nodes = 1000, hours = 24, frames = 20;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--nodes")) nodes = args[i + 1].toInt();
        if (args[i] == QLatin1String("--hours")) hours = args[i + 1].toInt();
        if (args[i] == QLatin1String("--frames")) frames = args[i + 1].toInt();
    }
    sim::RunReport r;
    r.scenario = "bench-gui";
    r.end = Instant(static_cast<std::int64_t>(hours) * 3'600'000);
    for (int n = 0; n < nodes; ++n) {
        const std::string node = "node-" + std::to_string(n + 1);
        r.nodes.push_back(node);
        for (int k = 0; k < 3; ++k) {
            const std::string svc = "s" + std::to_string((n + k) % 20) + "/app";
            r.instanceSpans.push_back(sim::InstanceSpan{svc + "-" + std::to_string(n), svc, node, Instant(10'000), r.end});
        }
    }
    for (int m = 30; m + 5 < hours * 60; ++m) {
        const std::string node = "node-" + std::to_string(1 + m % nodes);
        r.nodeSpans.push_back(sim::NodeSpan{node, Instant(m * 60'000LL), Instant((m + 5) * 60'000LL), "offline"});
        r.timeline.push_back(sim::TimelineEntry{Instant(m * 60'000LL), "event", "node_disconnect", "event: node_disconnect " + node});
    }
    QElapsedTimer t;
    t.start();
    sim::TimelineStyle style;
    style.width = 1200;
    const std::string svg = sim::renderTimelineSvg(r, style);
    const double svgMs = static_cast<double>(t.nsecsElapsed()) / 1e6;
    t.restart();
    QSvgRenderer renderer(QByteArray::fromStdString(svg));
    const double loadMs = static_cast<double>(t.nsecsElapsed()) / 1e6;
    const QSize doc = renderer.defaultSize();
    QImage frame(1200, 700, QImage::Format_ARGB32_Premultiplied);
    std::vector<double> ms;
    for (int f = 0; f < frames; ++f) {
        const int y = doc.height() > frame.height() ? (doc.height() - frame.height()) * f / std::max(1, frames - 1) : 0;
        t.restart();
        frame.fill(Qt::white);
        QPainter p(&frame);
        p.setClipRect(frame.rect());
        p.translate(0, -y);
        renderer.render(&p, QRectF(0, 0, doc.width(), doc.height()));
        p.end();
        ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    // The same frames with the renderer's view box set to the visible part
    // (what the GUI can do instead of clipping a full-document paint).
    std::vector<double> vb;
    for (int f = 0; f < frames; ++f) {
        const int y = doc.height() > frame.height() ? (doc.height() - frame.height()) * f / std::max(1, frames - 1) : 0;
        t.restart();
        frame.fill(Qt::white);
        renderer.setViewBox(QRectF(0, y, frame.width(), frame.height()));
        QPainter p(&frame);
        renderer.render(&p);
        p.end();
        vb.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    std::sort(vb.begin(), vb.end());
    std::printf("BENCH gui_timeline_svg_build %.1f ms\n", svgMs);
    std::printf("BENCH gui_timeline_svg_bytes %.1f MiB\n", static_cast<double>(svg.size()) / (1024.0 * 1024.0));
    std::printf("BENCH gui_timeline_scene_load %.1f ms\n", loadMs);
    std::printf("BENCH gui_timeline_frame_ms %.1f ms\n", ms[ms.size() / 2]);
    std::printf("BENCH gui_timeline_frame_worst %.1f ms\n", ms.back());
    std::printf("BENCH gui_timeline_frame_viewbox_ms %.1f ms\n", vb[vb.size() / 2]);
    std::printf("BENCH gui_timeline_frame_viewbox_worst %.1f ms\n", vb.back());
    std::printf("BENCH gui_timeline_peak_memory %.1f MiB\n", static_cast<double>(kontena::bench::peakRssKiB()) / 1024.0);
    return 0;
}
