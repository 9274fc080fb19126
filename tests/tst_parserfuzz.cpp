// Randomised parsing: thousands of generated and mutated logplex bodies.
// Nothing may crash, and the books must balance: every line ends in exactly
// one outcome, every measurement counted went into a bucket, and every byte
// of a body is a frame, a skipped region or whitespace between frames.
// The seed is fixed (reproducible); set L2MET_FUZZ_SEED to explore others.
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"
#include "parser/logplexreader.h"

#include <QRandomGenerator>
#include <QTest>

using namespace l2met;

namespace {

constexpr qint64 kNow = 1764093720;

const char *const kMessages[] = {
    "measure#db.latency=4ms count#db.queries=2 sample#queue.depth=7 source=web.1",
    "at=info method=GET path=\"/\" connect=1ms service=18ms status=200 bytes=13",
    "measure.legacy=1 measure#bare count#c",
    "source=\"quoted \\\" src\" measure#x=-1.5e3ms/req",
    "just some output without metrics",
    "measure#bad=abc count#=1 sample#nan=NaN measure#u=1.2.3",
    "Error L10 (output buffer overflow): 12 messages dropped since 2025-11-25T18:00:00+00:00.",
    "path=\"/unterminated measure#lost=1",
    "",
};
const char *const kProcIds[] = { "web.1", "router", "logplex", "worker.2" };
const char *const kStamps[] = { "2025-11-25T18:02:00+00:00", "2025-11-25T18:02:00.123456Z",
                                "2025-11-25T13:02:00-05:00", "2025-11-25T17:00:00+00:00",
                                "2026-01-01T00:00:00+00:00", "-", "garbage" };
const char kAlphabet[] = "ab#=\" \\.0123456789-+e\t\n<>msource:";

QByteArray message(QRandomGenerator &rng)
{
    return "<134>1 " + QByteArray(kStamps[rng.bounded(int(std::size(kStamps)))]) + " host app "
        + kProcIds[rng.bounded(int(std::size(kProcIds)))] + " - "
        + kMessages[rng.bounded(int(std::size(kMessages)))];
}

void mutate(QRandomGenerator &rng, QByteArray &bytes, int edits)
{
    for (int i = 0; i < edits && !bytes.isEmpty(); ++i) {
        const qsizetype at = rng.bounded(bytes.size());
        const int kind = rng.bounded(4);
        const char c = rng.bounded(3) == 0 ? char(rng.bounded(256))
                                            : kAlphabet[rng.bounded(int(sizeof kAlphabet - 1))];
        if (kind == 0)
            bytes[at] = c;
        else if (kind == 1)
            bytes.insert(at, c);
        else if (kind == 2)
            bytes.remove(at, 1 + rng.bounded(8));
        else
            bytes.insert(at, bytes.mid(rng.bounded(bytes.size()), rng.bounded(20)));
    }
}

struct Outcome
{
    ParseCounters counters;
    quint64 valuesInBuckets = 0;
};

Outcome parse(const QByteArray &body, qint32 resolution)
{
    IngestOptions options;
    options.token = "t";
    options.resolution = resolution;
    BodyParser parser;
    BucketAccumulator acc;
    // A small series limit, so that refusals (lines_series_dropped) happen too.
    SeriesLimiter limiter(3);
    acc.setLimiter(&limiter);
    acc.reset(options.token, resolution);
    Outcome o;
    o.counters = parser.parse(std::string_view(body.constData(), size_t(body.size())), options, kNow, acc);
    for (const Bucket &b : acc.takeBuckets()) {
        o.valuesInBuckets += b.values().size();
        if (b.id().name.isEmpty() || b.values().empty())
            qFatal("empty bucket name or values");
        if (b.id().time % resolution != 0)
            qFatal("bucket time off its window");
        const qint64 tolerance = 2LL * resolution;
        if (b.id().time < kNow - kNow % resolution - tolerance || b.id().time > kNow + tolerance)
            qFatal("late or early bucket came through");
    }
    return o;
}

// Bytes of frames (with their "LEN " prefix), skipped regions and
// whitespace between frames must add up to the body.
bool bytesBalance(const QByteArray &body)
{
    const std::string_view v(body.constData(), size_t(body.size()));
    LogplexReader reader(v);
    std::string_view piece;
    size_t accounted = 0;
    size_t previousEnd = 0;
    for (;;) {
        const LogplexReader::Result r = reader.next(&piece);
        if (r == LogplexReader::Result::End)
            break;
        const size_t start = size_t(piece.data() - v.data());
        if (start < previousEnd)
            return false;
        // whitespace or, for a frame, its length prefix
        for (size_t i = previousEnd; i < start; ++i) {
            const char c = v[i];
            const bool ok = c == ' ' || c == '\n' || c == '\r' || c == '\t' || (c >= '0' && c <= '9');
            if (!ok)
                return false;
        }
        accounted += start - previousEnd + piece.size();
        previousEnd = reader.position();
        if (previousEnd != start + piece.size())
            return false;
    }
    for (size_t i = previousEnd; i < v.size(); ++i)
        ++accounted; // trailing whitespace, checked by the reader's End
    return accounted == v.size();
}

quint64 seed()
{
    const QByteArray env = qgetenv("L2MET_FUZZ_SEED");
    return env.isEmpty() ? 20261125u : env.toULongLong();
}

} // namespace

class TstParserFuzz : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qInfo("seed=%llu", static_cast<unsigned long long>(seed())); }

    // Messages mutated, frame lengths kept right: every frame is a line.
    void mutatedMessagesKeepLineCount()
    {
        QRandomGenerator rng(static_cast<quint32>(seed()));
        ParseCounters total;
        for (int round = 0; round < 4000; ++round) {
            const int frames = 1 + rng.bounded(12);
            QByteArray body;
            for (int i = 0; i < frames; ++i) {
                QByteArray m = message(rng);
                if (rng.bounded(2))
                    mutate(rng, m, 1 + rng.bounded(6));
                if (m.isEmpty())
                    m = "<";
                m[0] = '<'; // a frame's message starts with '<'
                body += QByteArray::number(m.size()) + ' ' + m;
            }
            const qint32 resolution = rng.bounded(2) ? 60 : 1;
            const Outcome o = parse(body, resolution);
            QCOMPARE(o.counters.lines(), quint64(frames));
            QCOMPARE(o.counters[ParseCounter::FramesMalformed], 0u);
            QCOMPARE(o.valuesInBuckets, o.counters[ParseCounter::Measurements]);
            total += o.counters;
        }
        // The corpus must exercise every outcome, or this test proves little.
        for (int c = ParseCounters::kFirstOutcome; c < ParseCounters::kLastOutcome; ++c)
            QVERIFY2(total.values[size_t(c)] > 0, ParseCounters::name(ParseCounter(c)));
        QVERIFY(total.badValues() > 0);
    }

    // Anything mutated, lengths included: no crash, books balance.
    void mutatedBodiesBalance()
    {
        QRandomGenerator rng(static_cast<quint32>(seed() + 1));
        ParseCounters total;
        for (int round = 0; round < 4000; ++round) {
            const int frames = 1 + rng.bounded(12);
            QByteArray body;
            for (int i = 0; i < frames; ++i) {
                const QByteArray m = message(rng);
                body += QByteArray::number(m.size()) + ' ' + m;
            }
            mutate(rng, body, 1 + rng.bounded(10));
            const Outcome o = parse(body, 60);
            QCOMPARE(o.valuesInBuckets, o.counters[ParseCounter::Measurements]);
            QCOMPARE(o.counters[ParseCounter::BodyBytes], quint64(body.size()));
            // A line needs at least its "N <" and a skipped region one byte.
            QVERIFY(o.counters.lines() <= quint64(body.size()));
            if (!body.trimmed().isEmpty())
                QVERIFY(o.counters.lines() >= 1);
            QVERIFY2(bytesBalance(body), body.constData());
            total += o.counters;
        }
        QVERIFY(total[ParseCounter::FramesMalformed] > 0);
        QVERIFY(total[ParseCounter::LinesAggregated] > 0);
    }

    // Pure noise.
    void randomBytes()
    {
        QRandomGenerator rng(static_cast<quint32>(seed() + 2));
        for (int round = 0; round < 2000; ++round) {
            QByteArray body(rng.bounded(400), Qt::Uninitialized);
            for (char &c : body)
                c = rng.bounded(2) ? char(rng.bounded(256)) : kAlphabet[rng.bounded(int(sizeof kAlphabet - 1))];
            const Outcome o = parse(body, 60);
            QCOMPARE(o.valuesInBuckets, o.counters[ParseCounter::Measurements]);
            QVERIFY(bytesBalance(body));
        }
    }
};

QTEST_GUILESS_MAIN(TstParserFuzz)
#include "tst_parserfuzz.moc"
