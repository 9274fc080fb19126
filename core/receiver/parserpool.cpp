#include "receiver/parserpool.h"

#include "metrics/linecapture.h"
#include "metrics/linetap.h"
#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"
#include "parser/parsemetrics.h"
#include "parser/serieslimiter.h"
#include "receiver/inbox.h"
#include "receiver/receivermetrics.h"
#include "receiver/register.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QThread>

#include <optional>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace l2met {

ParserPool::ParserPool(Inbox *inbox, Register *reg, Metrics *metrics, ProblemLog *problems,
                       LineTap *tap, SeriesLimiter *limiter)
    : m_inbox(inbox)
    , m_tap(tap)
    , m_limiter(limiter)
    , m_register(reg)
    , m_metrics(metrics)
    , m_problems(problems)
{
    for (size_t i = 0; i < ParseCounters::kCount; ++i) {
        const auto c = static_cast<ParseCounter>(i);
        m_counters[i] = &m_metrics->counter(parseCounterMetric(c));
    }
    for (size_t k = 0; k < m_sourceCounters.size(); ++k) {
        for (size_t o = 0; o < kOutcomes; ++o) {
            const auto c = static_cast<ParseCounter>(ParseCounters::kFirstOutcome + int(o));
            m_sourceCounters[k][o] = &m_metrics->counter(
                kSourceLines, QByteArray("source_kind=\"") + sourceKindName(static_cast<SourceKind>(k))
                                  + "\",outcome=\"" + ParseCounters::name(c) + '"');
        }
    }
    m_bodies = &m_metrics->counter(kBodiesParsed);
    m_linesReceived = &m_metrics->counter(kLinesReceived);
    m_bucketsAdded = &m_metrics->counter(kBucketsAdded);
    m_bucketsMerged = &m_metrics->counter(kBucketsMerged);
    m_parseTime = &m_metrics->timer(kParseBody);
}

ParserPool::~ParserPool()
{
    join();
}

void ParserPool::start(int threads, int nice)
{
    for (int i = 0; i < threads; ++i) {
        QThread *t = QThread::create([this, nice] { run(nice); });
        t->setObjectName(QStringLiteral("l2met-parse-%1").arg(i));
        m_threads.append(t);
        t->start();
    }
}

void ParserPool::join()
{
    for (QThread *t : std::as_const(m_threads)) {
        t->wait();
        delete t;
    }
    m_threads.clear();
}

void ParserPool::run(int nice)
{
    if (nice != 0)
        setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), nice);
    BodyParser parser;
    BucketAccumulator accumulator;
    accumulator.setLimiter(m_limiter);
    QByteArray currentUser;
    parser.setProblemHook([this, &currentUser](ParseCounter kind, std::string_view line) {
        m_problems->add(Problem { {}, ParseCounters::name(kind), currentUser, 0,
                                  QByteArray(line.data(), qsizetype(line.size())) });
    });
    InboxItem item;
    for (;;) {
        if (!m_inbox->pop(&item, 250)) {
            if (m_inbox->isClosed())
                break;
            continue;
        }
        QElapsedTimer timer;
        timer.start();
        currentUser = item.user;
        accumulator.reset(item.options.token, item.options.resolution, item.user,
                          item.options.recvDeadline);
        const std::string_view body(item.body.constData(), size_t(item.body.size()));
        // The Lines view samples whole bodies; when it is closed this is
        // one relaxed load per body.
        std::optional<LineCapture> capture;
        if (m_tap && m_tap->enabled()) {
            LineRecord templateRecord;
            templateRecord.kind = item.kind;
            templateRecord.sourceId = item.sourceId;
            templateRecord.user = item.user;
            templateRecord.resolution = item.options.resolution;
            capture.emplace(m_tap, m_tap->takeBudget(), std::move(templateRecord),
                            item.options.recvDeadline);
            parser.setLineObserver(&*capture);
        }
        const ParseCounters counters =
            parser.parse(body, item.options, QDateTime::currentSecsSinceEpoch(), accumulator);
        parser.setLineObserver(nullptr);
        capture.reset();
        std::vector<Bucket> buckets = accumulator.takeBuckets();
        const size_t made = buckets.size();
        const qint64 added = m_register->merge(buckets);
        record(counters, item, made, added);
        m_parseTime->record(timer.nsecsElapsed() / 1000);
        item = InboxItem();
    }
}

void ParserPool::record(const ParseCounters &counters, const InboxItem &item, size_t buckets, qint64 added)
{
    m_linesReceived->add(counters.lines());
    m_bucketsAdded->add(quint64(added));
    m_bucketsMerged->add(quint64(qint64(buckets) - added));
    for (size_t i = 0; i < ParseCounters::kCount; ++i) {
        if (counters.values[i])
            m_counters[i]->add(counters.values[i]);
    }
    m_bodies->add();
    // Per source kind (one labelled family, so the unlabelled totals stay
    // as they were) and per source.
    const auto outcome = [&counters](ParseCounter c) { return counters[c]; };
    SourceLines lines;
    lines.lines = counters.lines();
    lines.withMetrics = outcome(ParseCounter::LinesAggregated);
    lines.malformed = outcome(ParseCounter::LinesInvalid) + outcome(ParseCounter::LinesBadHeader)
        + outcome(ParseCounter::FramesMalformed);
    lines.other = lines.lines - lines.withMetrics - lines.malformed;
    {
        QMutexLocker lock(&m_sourceMutex);
        SourceLines &s = m_sourceLines[item.sourceId];
        s.lines += lines.lines;
        s.withMetrics += lines.withMetrics;
        s.malformed += lines.malformed;
        s.other += lines.other;
    }
    const size_t kind = size_t(item.kind);
    for (int i = ParseCounters::kFirstOutcome; i <= ParseCounters::kLastOutcome; ++i) {
        if (const quint64 n = counters.values[size_t(i)]) {
            m_sourceCounters[kind][size_t(i - ParseCounters::kFirstOutcome)]->add(n);
        }
    }
    if (const quint64 refused = counters[ParseCounter::SeriesDropped]) {
        m_metrics->counter(kSeriesDroppedByUser, "user=\"" + Metrics::labelValue(item.user) + '"').add(refused);
        reportOverflows();
    }
    const quint64 dropped = counters[ParseCounter::LogplexDropped];
    if (dropped) {
        m_metrics->counter(kLogplexDroppedByUser, "user=\"" + Metrics::labelValue(item.user) + '"').add(dropped);
    }
}

void ParserPool::reportOverflows()
{
    static const QElapsedTimer steady = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    for (const SeriesLimiter::Overflow &o : m_limiter->takeOverflows(steady.elapsed() / 1000)) {
        QByteArray detail = QByteArray::number(o.refused) + " measurements of new series dropped in the "
            + QByteArray::number(o.resolution) + " s window from "
            + QDateTime::fromSecsSinceEpoch(o.time, Qt::UTC).toString(Qt::ISODate).toUtf8()
            + ": the drain already has --max-series " + QByteArray::number(m_limiter->maxSeries())
            + " series there. Names:";
        for (const auto &[pattern, count] : o.patterns)
            detail += ' ' + pattern + " (" + QByteArray::number(count) + ")";
        detail += ". Each distinct name is a Librato stream; put ids in source= or leave them out.";
        m_problems->add(Problem { {}, "series_limit", o.user, 0, detail });
    }
}

QHash<int, ParserPool::SourceLines> ParserPool::sourceLines() const
{
    QMutexLocker lock(&m_sourceMutex);
    return m_sourceLines;
}

} // namespace l2met
