#include "parser/conventions.h"

#include "bucket/hyperloglog.h"
#include "parser/logfmt.h"
#include "parser/numberparser.h"

#include <algorithm>
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

// "H12", "R14": one capital letter, then digits.
bool isErrorCode(std::string_view code)
{
    if (code.size() < 2 || code.size() > 6 || code[0] < 'A' || code[0] > 'Z')
        return false;
    return std::all_of(code.begin() + 1, code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

LineMeasurement counterOne(std::string_view name)
{
    LineMeasurement m;
    m.name = name;
    m.type = BucketType::Counter;
    m.value = 1;
    return m;
}

} // namespace

void Conventions::addRouterCounters(const RouterFields &fields, ConventionFlags flags,
                                    LineMetrics *out)
{
    static constexpr std::string_view kStatusNames[]
        = { "router.status.1xx", "router.status.2xx", "router.status.3xx", "router.status.4xx",
            "router.status.5xx" };
    const std::string_view status = fields.status;
    if (flags.routerStatus && status.size() == 3 && status[0] >= '1' && status[0] <= '5'
        && status[1] >= '0' && status[1] <= '9' && status[2] >= '0' && status[2] <= '9') {
        out->measurements.push_back(counterOne(kStatusNames[status[0] - '1']));
    }
    if (fields.at == "error" && isErrorCode(fields.code)) {
        m_routerError.assign("router.error.");
        m_routerError.append(fields.code);
        out->measurements.push_back(counterOne(m_routerError));
    }
}

void Conventions::addPlatformError(std::string_view message, LineMetrics *out)
{
    // "Error R14 (Memory quota exceeded)", "Error R10 (Boot timeout) -> ..."
    constexpr std::string_view kError = "Error ";
    if (!message.starts_with(kError))
        return;
    std::string_view code = message.substr(kError.size());
    code = code.substr(0, std::min(code.find_first_of(" (:"), code.size()));
    if (!isErrorCode(code))
        return;
    m_platformError.assign("heroku.error.");
    m_platformError.append(code);
    out->measurements.push_back(counterOne(m_platformError));
}

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
                          ParseCounters &counters, ConventionFlags flags)
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
    RouterFields fields;
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
            if (name.empty()) {
                if (key == "at")
                    fields.at = pair.value;
                else if (key == "code")
                    fields.code = pair.value;
                else if (key == "status")
                    fields.status = pair.value;
                continue;
            }
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
    if (router)
        addRouterCounters(fields, flags, out);
    else if (flags.heroku)
        addPlatformError(message, out);
}

} // namespace l2met
