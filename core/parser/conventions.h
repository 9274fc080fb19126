// The log conventions of docs/behaviour.md section 3: which logfmt pairs of a message are
// metrics (`measure#`, legacy `measure.`, `sample#`, `count#`, `unique#`, bare keys
// worth 1, Heroku router fields and statuses, Heroku's `Error R14` platform
// errors), their values and units, `source=`, and logplex's L10 drop notices. Malformed pieces are counted and skipped; the
// rest of the line is kept.
//
// Not thread-safe: one Conventions per parser thread (it reuses buffers).
#pragma once

#include "bucket/bucketid.h"
#include "parser/logfmt.h"
#include "parser/parsecounters.h"

#include <string>
#include <string_view>
#include <vector>

namespace l2met {

struct LineMeasurement
{
    std::string_view name; // without prefix
    std::string_view units;
    BucketType type = BucketType::Measurement;
    double value = 0;
};

struct LineMetrics
{
    std::vector<LineMeasurement> measurements;
    std::string_view source; // empty when the line has no source=
    bool logplexNotice = false;
    quint64 logplexDropped = 0;
    int badPieces = 0;
    ParseCounter firstProblem = ParseCounter::Count_; // kind of the first bad piece
    std::string_view firstProblemPiece; // that piece as written (`measure#a=abc`), a view into the message

    void clear();
};

// What the line's header says besides PROCID, and what the options ask.
struct ConventionFlags
{
    bool heroku = false; // APP-NAME is `heroku`: Heroku's own lines (dyno errors)
    bool routerStatus = true; // router.status.Nxx counters (--router-status)
};

class Conventions
{
public:
    // Views in *out point into message (or into this object's buffers) and
    // stay valid until the next call.
    void extract(std::string_view procId, std::string_view message, LineMetrics *out,
                 ParseCounters &counters, ConventionFlags flags = {});

private:
    // unique#NAME=VALUE: VALUE (any text) hashed (docs/behaviour.md section 3).
    void addUnique(const LogfmtPair &pair, std::string_view name, LineMetrics *out,
                   ParseCounters &counters);

    // The counters of a router line (status class, H error) and of a
    // platform line's `Error R14 (...)` (docs/behaviour.md section 3).
    struct RouterFields
    {
        std::string_view at, code, status;
    };
    void addRouterCounters(const RouterFields &fields, ConventionFlags flags, LineMetrics *out);
    void addPlatformError(std::string_view message, LineMetrics *out);

    std::string m_source;
    std::string m_unique; // an escaped unique# value, unescaped
    std::string m_routerError; // "router.error.H12"
    std::string m_platformError; // "heroku.error.R14"
};

} // namespace l2met
