#include "gui/timeline_view.h"

#include <QPaintEvent>
#include <QPainter>

namespace kontena::gui {

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void TimelineView::load(const QByteArray& svg) {
    renderer_.load(svg);
    setFixedSize(renderer_.defaultSize());
    update();
}

QSize TimelineView::sizeHint() const { return renderer_.isValid() ? renderer_.defaultSize() : QSize(800, 200); }

void TimelineView::paintEvent(QPaintEvent* event) {
    QPainter p(this);
    const QRect r = event->rect();
    p.fillRect(r, Qt::white);
    if (!renderer_.isValid()) return;
    renderer_.setViewBox(QRectF(r));
    renderer_.render(&p, QRectF(r));
}

}  // namespace kontena::gui
