// PreviewModel: in preview mode, the payloads the outlet built and did not
// send (newest first): when, for which Librato user, how many gauges, size.
// The JSON body itself is available through json() and Qt::UserRole.
// From EngineSnapshot::previews.
//
// GUI thread only.
#pragma once

#include "engine/enginesnapshot.h"
#include "ringtablemodel.h"

namespace l2met {

class PreviewModel : public RingTableModel<PreviewPayload>
{
    Q_OBJECT

public:
    enum Column { Built, User, Gauges, Size, ColumnCount };

    explicit PreviewModel(QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);
    QByteArray json(int row) const { return row >= 0 && row < m_rows.size() ? m_rows.at(row).json : QByteArray(); }
    // A payload pretty-printed for reading (the bytes as they are when they
    // are not a JSON document).
    static QString prettyJson(const QByteArray &json);

protected:
    QByteArray rowKey(const PreviewPayload &row) const override;
};

} // namespace l2met
