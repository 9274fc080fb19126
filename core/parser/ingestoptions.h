// IngestOptions: what the receiver learnt about one POSTed body (docs/behaviour.md
// section 2) and hands to the parsers with it. Value type.
#pragma once

#include <QByteArray>

namespace l2met {

// How a body is cut into lines: octet-counted logplex frames (the drain), or
// one line per '\n' in any of the local formats (docs: README "Watch your
// app locally"; parser/localline.h).
enum class BodyFormat : quint8 { Logplex, Lines };

struct IngestOptions
{
    BodyFormat format = BodyFormat::Logplex;
    QByteArray token;         // drain token as received (the bucket's credentials)
    qint32 resolution = 60;   // seconds, divides 3600
    QByteArray prefix;        // prepended to names with a dot
    QByteArray sourcePrefix;  // prepended to sources with a dot
    qint32 recvDeadline = 2;  // resolutions of lateness (or earliness) tolerated
    bool routerStatus = true; // router.status.Nxx counters (--router-status)
};

} // namespace l2met
