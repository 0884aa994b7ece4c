#pragma once
// Rasterises a timeline SVG (timeline_svg.h) to a PNG file with Qt Svg.
// The only Qt in kontena-sim; kept in its own library so the engine stays
// free of Qt. Creates an offscreen QGuiApplication when the process has no
// Qt application yet (kontena-sim); refuses inside a non-GUI application.

#include <string>

namespace kontena::sim {

// Writes `svg` as a PNG image to `path`. Returns an empty string on
// success, else what went wrong.
std::string writeTimelinePng(const std::string& svg, const std::string& path);

}  // namespace kontena::sim
