#include "engine/enginesnapshot.h"

namespace l2met {

double EngineSnapshot::metric(const MetricInfo &info) const
{
    for (const MetricSample &s : metrics) {
        if (s.is(info))
            return s.value;
    }
    return 0;
}

} // namespace l2met
