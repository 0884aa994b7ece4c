#include "simulator/engine/timeline_png.h"

#include <QByteArray>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QString>
#include <QSvgRenderer>

namespace kontena::sim {

namespace {

// A QGuiApplication for fonts and painting, created once, offscreen.
bool ensureGuiApplication(std::string& error) {
    if (QCoreApplication::instance()) {
        if (qobject_cast<QGuiApplication*>(QCoreApplication::instance())) return true;
        error = "PNG output needs a GUI application; this program runs a non-GUI one";
        return false;
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "kontena-sim";
    static char* argv[] = {name, nullptr};
    static QGuiApplication* app = new QGuiApplication(argc, argv);   // lives until the process ends
    (void)app;
    return true;
}

}  // namespace

std::string writeTimelinePng(const std::string& svg, const std::string& path) {
    std::string error;
    if (!ensureGuiApplication(error)) return error;
    QSvgRenderer renderer(QByteArray::fromStdString(svg));
    if (!renderer.isValid()) return "the timeline SVG could not be read";
    QImage image(renderer.defaultSize(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    renderer.render(&painter);
    painter.end();
    if (!image.save(QString::fromStdString(path), "PNG")) return "cannot write " + path;
    return {};
}

}  // namespace kontena::sim
