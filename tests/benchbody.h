// Realistic logplex bodies for benchmarks: frames of about 170 bytes, each
// with two measure#, one count#, one sample# and a source=.
#pragma once

#include <QByteArray>

namespace l2met::bench {

// `frames` frames stamped at unixTime (RFC 3339, microseconds, +00:00).
QByteArray makeBody(int frames, qint64 unixTime);

} // namespace l2met::bench
