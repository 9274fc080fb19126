// Problem: one entry of the ProblemLog (metrics/problemlog.h), a malformed
// or late line, a logplex drop notice or a rejected request, as the
// window's Problems view shows it. Plain value type (Qt Core only).
#pragma once

#include <QByteArray>
#include <QDateTime>

namespace l2met {

struct Problem
{
    QDateTime at;
    QByteArray kind;   // e.g. "bad_value_not_number" (a ParseCounters::name), "http_401"
    QByteArray user;   // Librato user of the drain, when known (never a token)
    int status = 0;    // HTTP status for rejected requests
    QByteArray detail; // the offending line (cut) or the request's error text
};

} // namespace l2met
