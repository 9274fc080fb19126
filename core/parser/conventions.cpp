#include "parser/conventions.h"

#include "bucket/hyperloglog.h"
#include "parser/logfmt.h"
#include "parser/numberparser.h"

#include <charconv>

namespace l2met {

namespace {

constexpr std::string_view kMeasure = "measure#";
constexpr std::string_view kLegacyMeasure = "measure.";
constexpr std::string_view kSample = "sample#";
constexpr std::string_view kCount = "count#";
constexpr std::string_view kUnique = "unique#";

void problem(LineMetrics *out, ParseCounters &counters, ParseCounter kind, std::string_view piece)
{
    ++counters[kind];
    ++out->badPieces;
    if (out->firstProblem == ParseCounter::Count_) {
        out->firstProblem = kind;
        out->firstProblemPiece = piece;
    }
}

// The pair as written in the message, from its key to the end of its value
// (closing quote included), so the Lines view can point at it. The
// scanner's views all point into the message.
std::string_view pieceOf(const LogfmtPair &pair, bool unterminated)
{
    const char *begin = pair.key.data();
    const char *end = pair.key.data() + pair.key.size();
    if (pair.hasValue) {
        end = pair.value.data() + pair.value.size();
        if (pair.quoted && !unterminated)
            ++end;
    }
    return std::string_view(begin, static_cast<size_t>(end - begin));
}

ParseCounter counterFor(ValueError error)
{
    switch (error) {
    case ValueError::Empty:
        return ParseCounter::BadValueEmpty;
    case ValueError::NonFinite:
        return ParseCounter::BadValueNonFinite;
    case ValueError::BadUnits:
        return ParseCounter::BadValueUnits;
    case ValueError::None:
    case ValueError::NotNumber:
        break;
    }
    return ParseCounter::BadValueNotNumber;
}

// "Error L10 (output buffer overflow): 500 messages dropped since ..."
bool parseL10(std::string_view message, quint64 *dropped)
{
    if (message.find("Error L10") == std::string_view::npos)
        return false;
    const size_t at = message.find(" messages dropped");
    if (at == std::string_view::npos)
        return true; // an L10 notice without a count
    size_t start = at;
    while (start > 0 && message[start - 1] >= '0' && message[start - 1] <= '9')
        --start;
    quint64 n = 0;
    std::from_chars(message.data() + start, message.data() + at, n);
    *dropped = n;
    return true;
}

// Router fields that become measurements, with their metric names.
std::string_view routerName(std::string_view key)
{
    if (key == "connect")
        return "router.connect";
    if (key == "service")
        return "router.service";
    if (key == "bytes")
        return "router.bytes";
    return {};
}

} // namespace

void Conventions::addUnique(const LogfmtPair &pair, std::string_view name, LineMetrics *out,
                            ParseCounters &counters)
{
    if (name.empty()) {
        problem(out, counters, ParseCounter::BadEmptyName, pieceOf(pair, false));
        return;
    }
    if (!pair.hasValue) {
        problem(out, counters, ParseCounter::BadValueMissing, pieceOf(pair, false));
        return;
    }
    std::string_view value = pair.value;
    if (pair.escaped) {
        LogfmtScanner::unescape(pair.value, &m_unique);
        value = m_unique;
    }
    if (value.empty()) {
        problem(out, counters, ParseCounter::BadValueEmpty, pieceOf(pair, false));
        return;
    }
    LineMeasurement m;
    m.name = name;
    m.type = BucketType::Unique;
    m.value = double(uniqueHash(value)); // below 2^52: exact
    out->measurements.push_back(m);
}

void LineMetrics::clear()
{
    measurements.clear();
    source = {};
    logplexNotice = false;
    logplexDropped = 0;
    badPieces = 0;
    firstProblem = ParseCounter::Count_;
    firstProblemPiece = {};
}

void Conventions::extract(std::string_view procId, std::string_view message, LineMetrics *out,
                          ParseCounters &counters)
{
    out->clear();
    if (procId == "logplex") {
        quint64 dropped = 0;
        if (parseL10(message, &dropped)) {
            out->logplexNotice = true;
            out->logplexDropped = dropped;
            return;
        }
    }
    const bool router = procId == "router";
    LogfmtScanner scanner(message);
    LogfmtPair pair;
    for (;;) {
        const LogfmtScanner::Status status = scanner.next(&pair);
        if (status == LogfmtScanner::Status::End)
            break;
        if (status == LogfmtScanner::Status::UnterminatedQuote) {
            problem(out, counters, ParseCounter::UnterminatedQuote, pieceOf(pair, true));
            break;
        }
        const std::string_view key = pair.key;
        if (key == "source" && pair.hasValue) {
            if (pair.escaped) {
                LogfmtScanner::unescape(pair.value, &m_source);
                out->source = m_source;
            } else {
                out->source = pair.value;
            }
            continue;
        }
        BucketType type;
        std::string_view name;
        bool bareAllowed = true;
        if (key.starts_with(kMeasure)) {
            type = BucketType::Measurement;
            name = key.substr(kMeasure.size());
        } else if (key.starts_with(kCount)) {
            type = BucketType::Counter;
            name = key.substr(kCount.size());
        } else if (key.starts_with(kSample)) {
            type = BucketType::Sample;
            name = key.substr(kSample.size());
            bareAllowed = false;
        } else if (key.starts_with(kUnique)) {
            addUnique(pair, key.substr(kUnique.size()), out, counters);
            continue;
        } else if (key.starts_with(kLegacyMeasure)) {
            type = BucketType::Measurement;
            name = key.substr(kLegacyMeasure.size());
        } else if (router && pair.hasValue && !pair.value.empty()) {
            // Heroku leaves fields it has no value for empty ("connect= "
            // on an H12 timeout): that is not a malformed measurement.
            name = routerName(key);
            if (name.empty())
                continue;
            type = BucketType::Measurement;
        } else {
            continue;
        }
        if (name.empty()) {
            problem(out, counters, ParseCounter::BadEmptyName, pieceOf(pair, false));
            continue;
        }
        LineMeasurement m;
        m.name = name;
        m.type = type;
        if (!pair.hasValue) {
            if (!bareAllowed) {
                problem(out, counters, ParseCounter::BadValueMissing, pieceOf(pair, false));
                continue;
            }
            m.value = 1;
        } else {
            ParsedValue parsed;
            const ValueError error = parseValue(pair.value, &parsed);
            if (error != ValueError::None) {
                problem(out, counters, counterFor(error), pieceOf(pair, false));
                continue;
            }
            m.value = parsed.value;
            m.units = parsed.units;
        }
        out->measurements.push_back(m);
    }
}

} // namespace l2met
