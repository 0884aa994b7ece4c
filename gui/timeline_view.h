#pragma once
// The timeline drawing in a scroll area: the SVG is parsed once and each
// paint renders only the exposed part (the renderer's view box), so a
// 1,000-node, 24-hour timeline scrolls without drawing every row each time
// (bench/gui/bench_gui_timeline measures both ways).

#include <QSvgRenderer>
#include <QWidget>

namespace kontena::gui {

class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);
    void load(const QByteArray& svg);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QSvgRenderer renderer_;
};

}  // namespace kontena::gui
