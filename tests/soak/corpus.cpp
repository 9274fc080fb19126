#include "corpus.h"

#include "auth/fernet.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimeZone>

namespace l2met::soak {

namespace {

constexpr int kSources = 4;
constexpr qint64 kDay = 86400;

struct MeasureName
{
    const char *name;
    const char *units;
};
constexpr MeasureName kMeasures[] = {
    { "db.latency", "ms" }, { "http.service", "ms" }, { "cache.get", "us" }, { "job.run", "s" }
};

// "YYYY-MM-DDTHH:MM:SS" of a unix second, cached: bodies share few seconds.
QByteArray stampSeconds(qint64 unix)
{
    static qint64 cachedSecond = -1;
    static QByteArray cached;
    if (unix != cachedSecond) {
        cachedSecond = unix;
        cached = QDateTime::fromSecsSinceEpoch(unix, QTimeZone::utc())
                     .toString(QStringLiteral("yyyy-MM-ddThh:mm:ss"))
                     .toLatin1();
    }
    return cached;
}

// A value that sums exactly in doubles: k/4, k < 4000.
double quarterValue(std::mt19937_64 &rng, QByteArray *text)
{
    const quint64 k = rng() % 4000;
    const double v = double(k) / 4.0;
    *text = (k % 4 == 0) ? QByteArray::number(k / 4) : QByteArray::number(v, 'f', 2);
    return v;
}

double sampleValue(int drain, int name, int source)
{
    return drain * 10 + name * 3 + source + 0.5;
}

} // namespace

const char *outcomeName(int outcome)
{
    static const char *const kNames[kOutcomeCount] = {
        "lines_aggregated",     "lines_no_metrics",     "lines_invalid",        "lines_late",
        "lines_early",          "lines_bad_header",     "lines_logplex_notice", "lines_series_dropped",
        "frames_malformed",
        "measurements",         "measurements_dropped", "bad_value_empty",      "bad_value_missing",
        "bad_value_not_number", "bad_empty_name",       "logplex_dropped",
    };
    return outcome >= 0 && outcome < kOutcomeCount ? kNames[outcome] : "?";
}

void Expected::add(const Expected &other)
{
    for (int i = 0; i < kOutcomeCount; ++i)
        counters[size_t(i)] += other.counters[size_t(i)];
    lines += other.lines;
    bodies += other.bodies;
    for (const auto &[key, total] : other.series) {
        SeriesTotal &mine = series[key];
        mine.kind = total.kind;
        mine.count += total.count;
        mine.sum += total.sum;
        mine.sample = total.sample;
    }
}

Corpus::Corpus(quint64 seed, qint64 totalLines, int drains, bool withFailing,
               const QByteArray &secrets, int aheadSeconds)
    : m_seed(seed)
    , m_totalLines(totalLines)
    , m_ahead(aheadSeconds)
{
    const Fernet fernet(*Fernet::parseKeys(secrets));
    const int count = drains + (withFailing ? 1 : 0);
    for (int i = 0; i < count; ++i) {
        Drain d;
        d.failing = i >= drains;
        d.user = d.failing ? QByteArray("soak-failing@example.com")
                           : "soak-" + QByteArray(1, char('a' + i)) + "@example.com";
        d.apiToken = "soak-api-" + QByteArray::number(QRandomGenerator::system()->generate64(), 16);
        d.token = fernet.encrypt(QByteArray(d.user + ':' + d.apiToken));
        d.logplexToken
            = "d." + QByteArray::number(seed ^ quint64(i + 1) * 0x9e3779b97f4a7c15ULL, 16);
        m_drains.append(d);
    }
}

Body Corpus::next(qint64 nowUnix)
{
    Body body;
    body.index = m_bodies++;
    std::mt19937_64 rng(m_seed * 0x9e3779b97f4a7c15ULL + quint64(body.index));
    body.drain = int(rng() % quint64(m_drains.size()));
    const qint64 left = m_totalLines - m_linesMade;
    const int wanted = int(std::min<qint64>(left, 20 + qint64(rng() % 281)));
    body.frameId = QByteArray::number(m_seed, 16) + '-' + QByteArray::number(body.index);
    // A truncated last frame now and then: one malformed region.
    const bool truncated = wanted > 1 && rng() % 16 == 0;
    const int good = truncated ? wanted - 1 : wanted;
    body.bytes.reserve(good * 140);
    for (int i = 0; i < good; ++i)
        line(rng, body.drain, nowUnix, body);
    if (truncated) {
        body.bytes += "9999 <134>1 truncated";
        ++body.expected.counters[kFramesMalformed];
    }
    body.lines = wanted;
    body.expected.lines = quint64(wanted);
    body.expected.bodies = 1;
    m_linesMade += wanted;
    return body;
}

void Corpus::line(std::mt19937_64 &rng, int drain, qint64 nowUnix, Body &body)
{
    Expected &e = body.expected;
    const int source = int(rng() % kSources);
    const QByteArray src = "web." + QByteArray::number(source + 1);
    const quint64 kind = rng() % 1000;
    qint64 stamp = nowUnix + m_ahead - qint64(rng() % 2);
    QByteArray procId = src;
    QByteArray app = "app";
    QByteArray msg;
    int pri = 134;

    // Metrics that will be aggregated, added to e.series only if the line is
    // on time (not late or early).
    struct Pending
    {
        SeriesKey key;
        SeriesKind kind;
        double value;
    };
    std::vector<Pending> pending;
    const auto measure = [&](int m, const QByteArray &prefix = "measure#") {
        QByteArray text;
        const double v = quarterValue(rng, &text);
        msg += prefix + kMeasures[m].name + '=' + text + kMeasures[m].units + ' ';
        pending.push_back({ { drain, kMeasures[m].name, src }, SeriesKind::Measure, v });
    };
    const auto counter = [&](const char *name, int k) {
        msg += QByteArray("count#") + name;
        if (k > 0)
            msg += '=' + QByteArray::number(k);
        msg += ' ';
        pending.push_back({ { drain, name, src }, SeriesKind::Counter, double(k > 0 ? k : 1) });
    };
    const auto sample = [&](const char *name, int n, const char *units) {
        const double v = sampleValue(drain, n, source);
        msg += QByteArray("sample#") + name + '=' + QByteArray::number(v) + units + ' ';
        pending.push_back({ { drain, name, src }, SeriesKind::Sample, v });
    };

    const auto unique = [&](const char *name) {
        const QByteArray value = "v" + QByteArray::number(rng(), 16);
        msg += QByteArray("unique#") + name + '=' + value + " unique#" + name + "=\"" + value + "\" ";
        pending.push_back({ { drain, name, src }, SeriesKind::Unique, 1 }); // a new value
        pending.push_back({ { drain, name, src }, SeriesKind::Unique, 0 }); // the same again
    };

    enum class Fate { OnTime, Late, Early, Other };
    Fate fate = Fate::OnTime;
    if (kind < 300 || kind >= 960) { // T0, the common app line
        msg = "at=info ";
        measure(0);
        counter("db.queries", int(1 + rng() % 5));
        sample("queue.depth", 0, "");
        msg += "source=" + src;
    } else if (kind < 450) {
        measure(1);
        measure(2);
        counter("signup", 0); // bare: 1
        unique("visitors");
        msg += "source=" + src;
    } else if (kind < 550) {
        msg = "source=" + src + " dyno=heroku.2808254.d97d0ea7-cf3d-411b-b453-d2943a50b456 ";
        sample("memory.rss", 1, "MB");
        measure(3);
        counter("jobs.done", int(1 + rng() % 3));
        msg.chop(1);
    } else if (kind < 600) { // legacy measure.NAME, same series as measure#
        measure(0, "measure.");
        msg += "source=" + src;
    } else if (kind < 660) { // router: connect, service, bytes; no source
        procId = "router";
        app = "heroku";
        pri = 158;
        const bool h12 = kind >= 650;
        const int connect = int(rng() % 8);
        const int service = h12 ? 30000 : int(1 + rng() % 900);
        const int bytes = h12 ? 0 : int(rng() % 5000);
        msg = "at=" + QByteArray(h12 ? "error code=H12 desc=\"Request timeout\"" : "info")
            + " method=GET path=\"/orders/" + QByteArray::number(rng() % 100)
            + "\" host=soak.example.com request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 "
              "fwd=\"10.1.2.3\" dyno="
            + src + " connect=" + (h12 ? QByteArray() : QByteArray::number(connect) + "ms")
            + " service=" + QByteArray::number(service) + "ms status=" + (h12 ? "503" : "200")
            + " bytes=" + QByteArray::number(bytes) + " protocol=https";
        if (!h12)
            pending.push_back(
                { { drain, "router.connect", {} }, SeriesKind::Measure, double(connect) });
        pending.push_back(
            { { drain, "router.service", {} }, SeriesKind::Measure, double(service) });
        pending.push_back({ { drain, "router.bytes", {} }, SeriesKind::Measure, double(bytes) });
        pending.push_back({ { drain, h12 ? "router.status.5xx" : "router.status.2xx", {} },
                            SeriesKind::Counter, 1 });
        if (h12)
            pending.push_back({ { drain, "router.error.H12", {} }, SeriesKind::Counter, 1 });
    } else if (kind < 665) { // a dyno's platform error: heroku.error.R14, no source in a drain
        procId = src;
        app = "heroku";
        pri = 158;
        msg = "Error R14 (Memory quota exceeded)";
        pending.push_back({ { drain, "heroku.error.R14", {} }, SeriesKind::Counter, 1 });
    } else if (kind < 740) { // ordinary log output (an app's own "Error R14" too)
        static const char *const kPlain[]
            = { "at=info method=GET path=/health status=200 duration=12ms",
                "State changed from starting to up",
                "Error R14 (Memory quota exceeded)" };
        msg = kPlain[rng() % 3];
        fate = Fate::Other;
        ++e.counters[kNoMetrics];
    } else if (kind < 790) { // every metric malformed
        const int bad = int(rng() % 4);
        static const char *const kBad[] = { "measure#db.latency=abcms", "sample#queue.depth",
                                            "measure#=4ms", "count#db.queries=" };
        static const Outcome kWhy[]
            = { kBadValueNotNumber, kBadValueMissing, kBadEmptyName, kBadValueEmpty };
        msg = kBad[bad] + QByteArray(" source=") + src;
        fate = Fate::Other;
        ++e.counters[kInvalid];
        ++e.counters[kWhy[bad]];
    } else if (kind < 830) { // one bad metric among good ones: aggregated
        measure(0);
        msg += "count#db.queries=zz source=" + src;
        ++e.counters[kBadValueNotNumber];
    } else if (kind < 870) { // a frame whose RFC 5424 header does not parse
        // (a frame starts with '<': anything else is not a frame at all)
        const QByteArray text = kind % 2
            ? QByteArray("<500>1 2024-11-25T18:02:00+00:00 host app web.1 - measure#db.latency=4ms")
            : QByteArray("<134>1 no-timestamp-and-nothing-else");
        body.bytes += QByteArray::number(text.size()) + ' ' + text;
        ++e.counters[kBadHeader];
        return;
    } else if (kind < 950) { // late (yesterday) or early (tomorrow): dropped
        fate = kind < 930 ? Fate::Late : Fate::Early;
        stamp = fate == Fate::Late ? nowUnix - kDay : nowUnix + kDay;
        msg = "at=info ";
        measure(0);
        counter("db.queries", int(1 + rng() % 5));
        sample("queue.depth", 0, "");
        msg += "source=" + src;
    } else { // logplex's own L10 notice
        procId = "logplex";
        app = "heroku";
        pri = 172;
        const int dropped = int(1 + rng() % 500);
        msg = "Error L10 (output buffer overflow): " + QByteArray::number(dropped)
            + " messages dropped since 2024-11-25T18:02:00+00:00.";
        fate = Fate::Other;
        ++e.counters[kLogplexNotice];
        e.counters[kLogplexDropped] += quint64(dropped);
    }
    if (msg.endsWith(' '))
        msg.chop(1);

    char micros[16];
    std::snprintf(micros, sizeof micros, ".%06d", int(rng() % 1000000));
    const QByteArray frame = '<' + QByteArray::number(pri) + ">1 " + stampSeconds(stamp) + micros
        + "+00:00 host " + app + ' ' + procId + " - " + msg;
    body.bytes += QByteArray::number(frame.size()) + ' ' + frame;

    switch (fate) {
    case Fate::OnTime:
        ++e.counters[kAggregated];
        e.counters[kMeasurements] += pending.size();
        for (const Pending &p : pending) {
            SeriesTotal &t = e.series[p.key];
            t.kind = p.kind;
            ++t.count;
            t.sum += p.value;
            t.sample = p.value;
        }
        break;
    case Fate::Late:
    case Fate::Early:
        ++e.counters[fate == Fate::Late ? kLate : kEarly];
        e.counters[kMeasurementsDropped] += pending.size();
        break;
    case Fate::Other:
        break;
    }
}

} // namespace l2met::soak
