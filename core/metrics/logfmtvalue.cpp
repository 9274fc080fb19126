#include "metrics/logfmtvalue.h"

#include <algorithm>

namespace l2met {

QString logfmtValue(const QString &value)
{
    const bool bare = !value.isEmpty() && std::none_of(value.begin(), value.end(), [](QChar c) {
        return c == u' ' || c == u'"' || c == u'=' || c == u'\\' || c.unicode() < 0x20;
    });
    if (bare)
        return value;
    QString quoted;
    quoted.reserve(value.size() + 2);
    quoted.append(u'"');
    for (const QChar c : value) {
        if (c == u'"' || c == u'\\')
            quoted.append(u'\\');
        quoted.append(c.unicode() < 0x20 ? QChar(u' ') : c);
    }
    quoted.append(u'"');
    return quoted;
}

} // namespace l2met
