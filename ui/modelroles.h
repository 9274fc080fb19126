// Item data roles shared by l2met's table models and views: a raw value to
// sort by (numbers sort as numbers, times as times), the text Ctrl+C copies
// (plain numbers without group separators, ISO times) and a stable row key
// (to restore a selection across model resets).
//
// Constants only; thread-safe.
#pragma once

#include <Qt>

namespace l2met {

enum ModelRole : int {
    SortRole = Qt::UserRole + 1, // QVariant with a number, a QDateTime or a string
    CopyRole,                    // QString; falls back to Qt::DisplayRole when invalid
    KeyRole,                     // QByteArray identifying the row across updates
    IdsInNamesRole,              // bool: a Metrics pattern flagged for ids in metric names
};

} // namespace l2met
