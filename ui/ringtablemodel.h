// RingTableModel: base of the table models fed from a ring the engine keeps
// oldest first (recent problems, preview payloads). Rows are shown newest
// first; when the ring has moved on, the new entries are inserted at the top
// and the ones that fell off removed at the bottom, so the rows in between
// (and a selection on them) stay put. If the ring cannot be matched against
// the rows (e.g. the engine restarted), the model resets.
//
// GUI thread only.
#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QList>

namespace l2met {

template<typename Row>
class RingTableModel : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : int(m_rows.size()); }
    const Row &row(int i) const { return m_rows.at(i); }
    int resets() const { return m_resets; }

protected:
    // Identifies an entry of the ring (cheap: called for every entry).
    virtual QByteArray rowKey(const Row &row) const = 0;

    void applyRing(const QList<Row> &oldestFirst)
    {
        QList<Row> incoming;
        incoming.reserve(oldestFirst.size());
        for (auto it = oldestFirst.crbegin(); it != oldestFirst.crend(); ++it)
            incoming.append(*it);
        QList<QByteArray> keys;
        keys.reserve(incoming.size());
        for (const Row &r : std::as_const(incoming))
            keys.append(rowKey(r));

        // Where does our newest row sit in the incoming list?
        qsizetype fresh = m_rows.isEmpty() ? incoming.size() : keys.indexOf(m_keys.value(0));
        bool matches = fresh >= 0;
        for (qsizetype i = 0; matches && fresh + i < keys.size() && i < m_keys.size(); ++i)
            matches = keys[fresh + i] == m_keys[i];
        if (!matches) {
            beginResetModel();
            m_rows = std::move(incoming);
            m_keys = std::move(keys);
            ++m_resets;
            endResetModel();
            return;
        }
        const qsizetype kept = std::min(m_rows.size(), incoming.size() - fresh);
        if (kept < m_rows.size()) {
            beginRemoveRows({}, int(kept), int(m_rows.size()) - 1);
            m_rows.resize(kept);
            m_keys.resize(kept);
            endRemoveRows();
        }
        if (fresh > 0) {
            beginInsertRows({}, 0, int(fresh) - 1);
            m_rows = incoming.first(fresh) + m_rows;
            m_keys = keys.first(fresh) + m_keys;
            endInsertRows();
        }
    }

    QList<Row> m_rows; // newest first
    QList<QByteArray> m_keys;
    int m_resets = 0;
};

} // namespace l2met
