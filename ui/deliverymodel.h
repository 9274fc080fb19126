// DeliveryModel: the Delivery tab's table, one row per Librato user (never a
// token: DeliveryStats holds none): batches sent and failed, gauges
// delivered at once, after retries, failed, retries, and the last request's
// status, error, latency and time. From EngineSnapshot::delivery.
//
// GUI thread only.
#pragma once

#include "engine/enginesnapshot.h"

#include <QAbstractTableModel>

namespace l2met {

class DeliveryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        User,
        BatchesSent,
        BatchesFailed,
        GaugesDelivered,
        GaugesRetriedDelivered,
        GaugesFailed,
        Retries,
        LastStatus,
        LastError,
        LastLatency,
        LastAttempt,
        ColumnCount
    };

    explicit DeliveryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);
    const DeliveryStats &stats(int row) const { return m_rows.at(row); }

private:
    QVariant raw(const DeliveryStats &s, int column) const;
    QString display(const DeliveryStats &s, int column) const;

    QList<DeliveryStats> m_rows;
};

} // namespace l2met
