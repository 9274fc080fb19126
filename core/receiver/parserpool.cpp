#include "receiver/parserpool.h"

#include "metrics/metrics.h"
#include "metrics/problemlog.h"
#include "parser/bodyparser.h"
#include "parser/bucketaccumulator.h"
#include "receiver/inbox.h"
#include "receiver/register.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QThread>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace l2met {

namespace {
const char *help(ParseCounter c)
{
    if (ParseCounters::isLineOutcome(c))
        return "lines by outcome (each line received ends in exactly one)";
    return "parser detail";
}
} // namespace

ParserPool::ParserPool(Inbox *inbox, Register *reg, Metrics *metrics, ProblemLog *problems)
    : m_inbox(inbox)
    , m_register(reg)
    , m_metrics(metrics)
    , m_problems(problems)
{
    for (size_t i = 0; i < ParseCounters::kCount; ++i) {
        const auto c = static_cast<ParseCounter>(i);
        m_counters[i] = &m_metrics->counter(ParseCounters::name(c), help(c));
    }
    m_bodies = &m_metrics->counter("bodies_parsed", "bodies taken from the inbox and parsed");
    m_linesReceived = &m_metrics->counter("lines_received", "lines (frames) received: the sum of the line outcomes");
    m_bucketsAdded = &m_metrics->counter("buckets_added", "buckets new to the register");
    m_bucketsMerged = &m_metrics->counter("buckets_merged", "buckets merged into one already in the register");
    m_parseTime = &m_metrics->timer("parse_body", "time to parse one body and merge its buckets");
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
        accumulator.reset(item.options.token, item.options.resolution);
        const std::string_view body(item.body.constData(), size_t(item.body.size()));
        const ParseCounters counters =
            parser.parse(body, item.options, QDateTime::currentSecsSinceEpoch(), accumulator);
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
    const quint64 dropped = counters[ParseCounter::LogplexDropped];
    if (dropped) {
        m_metrics->counter("logplex_dropped_by_user", "messages logplex reports it dropped (L10), by drain user",
                           "user=\"" + Metrics::labelValue(item.user) + '"')
            .add(dropped);
    }
}

} // namespace l2met
