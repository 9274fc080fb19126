#include "config/config.h"

#include <QThread>

#include <algorithm>

namespace l2met {

int Config::effectiveConcurrency() const
{
    if (concurrency > 0)
        return concurrency;
    return std::max(1, QThread::idealThreadCount());
}

} // namespace l2met
