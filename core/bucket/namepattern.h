// namePattern: a metric name with its id-like parts collapsed to '#', so
// that `user.48213.latency` and `user.977.latency` group as
// `user.#.latency` (docs/behaviour.md section 10). The name is cut into
// words at every byte that is not [A-Za-z0-9]; the cuts stay as they are.
//   - a word of hex digits holding at least one decimal digit (`48213`,
//     `9f1c`, `a1b2c3`) becomes `#`;
//   - in any other word each run of decimal digits becomes `#`
//     (`user48213` -> `user#`, `p95` -> `p#`);
//   - `#` words joined by '-' or '_' become one (`550e8400-e29b-...` -> `#`).
// Words without a digit never change (`cafe`, `latency`), so a pattern of
// one name is usually the name itself. Cheap: one pass, no allocation when
// nothing changes (the result shares the input's data).
//
// Pure function; thread-safe.
#pragma once

#include <QByteArray>

namespace l2met {

QByteArray namePattern(const QByteArray &name);

// True when namePattern(name) differs from name: the name has a number in it.
bool hasNumberPart(const QByteArray &name);

} // namespace l2met
