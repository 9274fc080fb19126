// logfmtValue: a value for l2met's own log lines, which are logfmt
// (`at=outlet.failed error="Connection refused"`): bare when it can be,
// quoted and escaped otherwise, control characters as spaces, so one value
// never breaks a log line in two. Stateless; thread-safe.
#pragma once

#include <QString>

namespace l2met {

QString logfmtValue(const QString &value);

} // namespace l2met
