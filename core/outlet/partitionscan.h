// PartitionScan: what this process's Reader last did with one partition of
// the store (when it held the lock, how long the scan took, what it
// acknowledged), for the window's Partitions view and /metrics. Plain value
// type (Qt Core only); includes nothing of the engine.
#pragma once

#include <QDateTime>

namespace l2met {

struct PartitionScan
{
    int partition = 0;
    QDateTime lastScan; // last time this reader held the lock
    qint64 lastScanMicros = 0; // lock to release, delivery included
    qint64 lastTaken = 0; // buckets acknowledged then (delivered and removed)
    bool lastLocked = false; // false: another owner held it
};

} // namespace l2met
