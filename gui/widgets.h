#pragma once
// Small widget helpers shared by the offline and live windows.

class QAbstractItemModel;
class QTableView;

namespace kontena::gui {

// A read-only, row-selecting table over `model` (header stretched, no row numbers).
QTableView* tableView(QAbstractItemModel* model);

}  // namespace kontena::gui
