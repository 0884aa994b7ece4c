#include "gui/widgets.h"

#include <QHeaderView>
#include <QTableView>

namespace kontena::gui {

QTableView* tableView(QAbstractItemModel* model) {
    auto* v = new QTableView;
    v->setModel(model);
    v->setSelectionBehavior(QAbstractItemView::SelectRows);
    v->setEditTriggers(QAbstractItemView::NoEditTriggers);
    v->horizontalHeader()->setStretchLastSection(true);
    v->verticalHeader()->hide();
    v->setWordWrap(false);
    return v;
}

}  // namespace kontena::gui
