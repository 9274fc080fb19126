#include "engine/enginesnapshot.h"

namespace l2met {

double EngineSnapshot::metric(const QByteArray &name) const
{
    for (const Metrics::Sample &s : metrics) {
        if (s.name == name && s.labels.isEmpty())
            return s.value;
    }
    return 0;
}

} // namespace l2met
