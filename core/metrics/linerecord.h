// LineRecord: what one captured line became (its measurements, or the exact
// reason it made none), as the LineTap (metrics/linetap.h) keeps it and the
// window's Lines view shows it. Plain value types (Qt Core and the plain
// bucket, parser and source enums only).
#pragma once

#include "bucket/bucketid.h"
#include "parser/parsecounters.h"
#include "source/sourcestatus.h"

#include <QByteArray>
#include <QList>

namespace l2met {

struct LineMeasurementRecord
{
    BucketType type = BucketType::Measurement;
    QByteArray name; // prefix applied
    QByteArray units;
    QByteArray source;
    double value = 0;
    qint64 window = 0; // window start, unix seconds
};

struct LineRecord
{
    quint64 seq = 0; // 1, 2, ... in capture order
    qint64 atMs = 0; // when it was parsed, unix milliseconds
    SourceKind kind = SourceKind::Drain;
    int sourceId = 0;
    QByteArray user; // Librato user (never a token)
    qint32 resolution = 60;
    QByteArray line; // the raw line, cut at kMaxLine bytes
    ParseCounter outcome = ParseCounter::LinesNoMetrics; // the line outcome
    QByteArray
        reason; // why it produced nothing (or what was skipped in it); empty when all went well
    QList<LineMeasurementRecord> measurements;

    static constexpr int kMaxLine = 2000;
};

} // namespace l2met
