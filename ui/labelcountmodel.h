// LabelCountModel: one labelled counter of the engine's metrics as a table,
// one row per label value with a count: logplex L10 drops per drain user
// (logplex_dropped_by_user{user=...}), rejected requests per status code
// (http_responses{status=...}, 2xx left out). An optional describer adds a
// column of words for each label value (e.g. "Unauthorized" for 401).
// From EngineSnapshot::metrics.
//
// GUI thread only.
#pragma once

#include "engine/enginesnapshot.h"

#include <QAbstractTableModel>

#include <functional>

namespace l2met {

class LabelCountModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Label, Count, Description, ColumnCount };

    // metric: a labelled metric; label: the label whose values are the rows.
    LabelCountModel(const MetricInfo &metric, QByteArray label, QString labelTitle, QObject *parent = nullptr);

    // Values for which keep() is false are left out (e.g. 2xx statuses).
    void setFilter(std::function<bool(const QString &value)> keep) { m_keep = std::move(keep); }
    void setDescriber(std::function<QString(const QString &value)> describe);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const EngineSnapshot &snapshot);
    double total() const;
    // The count of a label value (0 when absent).
    double count(const QString &value) const;

    // The value of label in a Prometheus label set (`user="a\"b"` -> a"b).
    static QString labelValue(const QByteArray &labels, const QByteArray &label);

private:
    struct Row
    {
        QString value;
        double count = 0;
    };
    QByteArray m_metric;
    QByteArray m_label;
    QString m_labelTitle;
    std::function<bool(const QString &)> m_keep;
    std::function<QString(const QString &)> m_describe;
    QList<Row> m_rows;
};

} // namespace l2met
