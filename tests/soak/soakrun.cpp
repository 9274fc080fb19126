#include "soakrun.h"

#include "auth/fernet.h"
#include "enginetestkit.h"
#include "fakelibrato.h"
#include "librato.h"
#include "node.h"
#include "poster.h"
#include "redisacl.h"
#include "redisserver.h"
#include "store/rediskeys.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QTimer>

#include <csignal>
#include <functional>

namespace l2met::soak {

namespace {
// The ACL user of the rediss store (SoakOptions::tls).
constexpr const char *kAclUser = "l2met-soak";
constexpr const char *kAclPassword = "soak-acl-pa55word-8e7d";
} // namespace

using test::freePort;
using test::parsePrometheus;

namespace {

constexpr double kFaultAt = 0.3; // share of the corpus accepted when the fault starts
constexpr double kSigtermAt = 0.4;
constexpr double kKillAt = 0.5;
constexpr int kLibratoFaultMs = 2000; // 500s and 429s last this long
constexpr int kStallMs = 1500; // longer than -outlet-ttl 1s
constexpr int kWaitMs = 60000;

} // namespace

bool scenarioFromName(const QString &name, Scenario *out)
{
    for (const Scenario s : { Scenario::Clean, Scenario::Librato500, Scenario::Librato429,
                              Scenario::LibratoStall, Scenario::FailingAccount,
                              Scenario::RedisPause, Scenario::OutletKill, Scenario::Sigterm }) {
        if (scenarioName(s) == name) {
            *out = s;
            return true;
        }
    }
    return false;
}

QString scenarioName(Scenario s)
{
    switch (s) {
    case Scenario::Clean:
        return QStringLiteral("clean");
    case Scenario::Librato500:
        return QStringLiteral("librato-500");
    case Scenario::Librato429:
        return QStringLiteral("librato-429");
    case Scenario::LibratoStall:
        return QStringLiteral("librato-stall");
    case Scenario::FailingAccount:
        return QStringLiteral("failing-account");
    case Scenario::RedisPause:
        return QStringLiteral("redis-pause");
    case Scenario::OutletKill:
        return QStringLiteral("outlet-kill");
    case Scenario::Sigterm:
        return QStringLiteral("sigterm");
    }
    return {};
}

bool scenarioAppliesTo(Scenario s, bool redis)
{
    return redis || (s != Scenario::RedisPause && s != Scenario::OutletKill);
}

SoakRun::SoakRun(SoakOptions options)
    : m_options(std::move(options))
{
    m_dir.setAutoRemove(!m_options.keep);
}

SoakRun::~SoakRun()
{
    m_poster.reset();
    m_nodes.clear(); // kills what still runs
    m_redis.reset();
}

QString SoakRun::storeName() const
{
    if (!m_options.redis)
        return QStringLiteral("memory");
    return m_options.tls ? QStringLiteral("rediss") : QStringLiteral("redis");
}

QString SoakRun::logDir() const
{
    return m_dir.path();
}

Node *SoakRun::spawn(const QString &role, quint16 port)
{
    const QString name = QStringLiteral("%1-%2")
                             .arg(role.isEmpty() ? QStringLiteral("l2met") : role.mid(1))
                             .arg(++m_serial);
    QStringList args { QStringLiteral("--no-gui"),
                       QStringLiteral("--config"),
                       m_dir.filePath(name + QStringLiteral(".conf")),
                       QStringLiteral("-port"),
                       QString::number(port),
                       QStringLiteral("--bind"),
                       QStringLiteral("127.0.0.1"),
                       QStringLiteral("--librato-url"),
                       m_librato->url().toString(),
                       QStringLiteral("-flush-interval"),
                       QStringLiteral("100ms"),
                       QStringLiteral("-outlet-interval"),
                       QStringLiteral("100ms"),
                       QStringLiteral("-outlet-ttl"),
                       QStringLiteral("1s"),
                       QStringLiteral("-outlet-retry"),
                       QString::number(kRetries),
                       QStringLiteral("-recv-deadline"),
                       QString::number(kRecvDeadline),
                       QStringLiteral("-partitions"),
                       QString::number(kPartitions) };
    if (m_redis && m_options.tls) {
        args << QStringLiteral("--redis-url")
             << m_redis->tlsUrl(QString::fromLatin1(kAclUser), QString::fromLatin1(kAclPassword))
             << QStringLiteral("--redis-ca") << m_redis->caFile();
    } else if (m_redis) {
        args << QStringLiteral("--redis-url") << m_redis->url();
    }
    if (!role.isEmpty())
        args << role;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *unset : { "REDIS_URL", "PORT", "METCHAN_URL" })
        env.remove(QLatin1String(unset));
    env.insert(QStringLiteral("SECRETS"),
               QString::fromLatin1(m_secrets)); // not on the command line
    auto node = std::make_unique<Node>(name, m_options.binary, args, env,
                                       m_dir.filePath(name + QStringLiteral(".log")), port);
    QString error;
    if (!node->start(&error)) {
        mismatch(error);
        return nullptr;
    }
    m_nodes.push_back(std::move(node));
    return m_nodes.back().get();
}

bool SoakRun::waitHealthy(Node *node)
{
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/health").arg(node->port()));
    if (pollUntil([&] { return test::http("GET", url).status == 200 || !node->isRunning(); }, 20000)
        && node->isRunning())
        return true;
    mismatch(QStringLiteral("%1 never became healthy").arg(node->name()));
    return false;
}

bool SoakRun::setUp()
{
    if (!m_dir.isValid()) {
        mismatch(QStringLiteral("no temporary directory"));
        return false;
    }
    m_secrets = Fernet::generateKey();
    m_librato = std::make_unique<test::FakeLibrato>();
    QObject::connect(m_librato.get(), &test::FakeLibrato::requestReceived, m_librato.get(),
                     [this] { m_lastLibratoRequestMs = m_clock.elapsed(); });
    if (m_options.redis) {
        m_redis = std::make_unique<test::RedisServer>(
            QStringList(),
            m_options.tls ? test::RedisServer::Transport::PlainAndTls
                          : test::RedisServer::Transport::Plain);
        if (!m_redis->start()) {
            mismatch(QStringLiteral("redis-server: ") + m_redis->errorString());
            return false;
        }
        QString error;
        if (m_options.tls
            && !test::addAclUser(*m_redis, kAclUser, kAclPassword, test::l2metAclRules(),
                                 &error)) {
            mismatch(QStringLiteral("ACL SETUSER: ") + error);
            return false;
        }
    }
    const bool failing = m_options.scenario == Scenario::FailingAccount;
    m_corpus = std::make_unique<Corpus>(m_options.seed, m_options.lines, 4, failing, m_secrets,
                                        kAheadSeconds);
    const QByteArray failingUser = failing ? m_corpus->drains().last().user : QByteArray();

    m_librato->setPolicy([this, failingUser](const test::FakeLibrato::Request &r)
                             -> std::optional<test::FakeLibrato::Fault> {
        if (!failingUser.isEmpty() && r.user == failingUser)
            return test::FakeLibrato::Fault { false, 500, {} };
        const Scenario s = m_options.scenario;
        const bool libratoFault
            = s == Scenario::Librato500 || s == Scenario::Librato429 || s == Scenario::LibratoStall;
        if (!libratoFault || !m_faultArmed || m_faultDone)
            return std::nullopt;
        if (m_faultStartMs < 0)
            m_faultStartMs = r.receivedAtMs;
        const int length
            = m_options.scenario == Scenario::LibratoStall ? kStallMs : kLibratoFaultMs;
        if (r.receivedAtMs - m_faultStartMs >= length) {
            m_faultDone = true;
            return std::nullopt;
        }
        ++m_faulted;
        if (m_options.scenario == Scenario::LibratoStall)
            return test::FakeLibrato::Fault { true, 0, {} };
        if (m_options.scenario == Scenario::Librato429)
            return test::FakeLibrato::Fault { false, 429, "1" };
        return test::FakeLibrato::Fault { false, 500, {} };
    });

    if (m_options.redis) {
        for (int i = 0; i < 2; ++i)
            m_receivers << spawn(QStringLiteral("-receiver"), freePort());
        for (int i = 0; i < 2; ++i)
            m_outlets << spawn(QStringLiteral("-outlet"), freePort());
    } else {
        m_receivers << spawn(QString(), freePort());
    }
    if (m_receivers.contains(nullptr) || m_outlets.contains(nullptr))
        return false;
    for (Node *node : std::as_const(m_receivers)) {
        if (!waitHealthy(node))
            return false;
    }
    return true;
}

void SoakRun::injectFault(qint64 acceptedLines)
{
    const double share = double(acceptedLines) / double(m_options.lines);
    switch (m_options.scenario) {
    case Scenario::Librato500:
    case Scenario::Librato429:
    case Scenario::LibratoStall:
        if (share >= kFaultAt)
            m_faultArmed = true; // starts with the next request to Librato
        break;
    case Scenario::RedisPause:
        if (share >= kFaultAt && !m_faultArmed) {
            m_faultArmed = true;
            m_redis->pause();
            const int pauseMs = m_options.pauseMs;
            m_notes << QStringLiteral("redis_paused_ms=%1").arg(pauseMs);
            QTimer::singleShot(pauseMs, [this] {
                m_redis->resume();
                m_faultDone = true;
            });
        }
        break;
    case Scenario::OutletKill:
        if (share >= kKillAt && !m_faultArmed) {
            m_faultArmed = true;
            killLockHolder();
        }
        break;
    case Scenario::Sigterm:
        if (share >= kSigtermAt && !m_faultArmed) {
            m_faultArmed = true;
            QTimer::singleShot(0, [this] { sigtermMidLoad(); });
        }
        break;
    case Scenario::Clean:
    case Scenario::FailingAccount:
        break;
    }
}

void SoakRun::killLockHolder()
{
    // Librato answers slowly for a while, so that an outlet holds a
    // partition's lock with a delivery on its way: that outlet is killed.
    m_librato->setDelayMs(300);
    auto redis = std::make_shared<test::RedisClient>(m_redis->port());
    auto timer = new QTimer(m_poster.get());
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QObject::connect(timer, &QTimer::timeout, timer, [this, redis, timer, clock] {
        Node *victim = nullptr;
        QByteArray partition;
        for (const QByteArray &lock : redis->command({ "KEYS", RedisKeys::lockPrefix() + '*' }).strings()) {
            const QByteArray owner = redis->command({ "GET", lock }).string;
            for (Node *outlet : std::as_const(m_outlets)) {
                if (owner.contains(QByteArray(':' + QByteArray::number(outlet->pid()) + ':'))) {
                    victim = outlet;
                    partition = lock.mid(lock.lastIndexOf(':') + 1);
                }
            }
        }
        // A request answered in the last 200 ms of a 300 ms delay is still
        // on its way: the lock holder is most likely waiting for it.
        const bool inFlight
            = m_lastLibratoRequestMs >= 0 && m_clock.elapsed() - m_lastLibratoRequestMs < 200;
        if ((!victim || !inFlight) && clock->elapsed() < 10000)
            return;
        if (!victim)
            victim = m_outlets.first();
        victim->signal(SIGKILL);
        m_outlets.removeAll(victim);
        m_killed = victim;
        m_notes << QStringLiteral("killed=%1 holding_lock=%2 request_in_flight=%3")
                       .arg(victim->name(),
                            partition.isEmpty() ? QStringLiteral("none")
                                                : QString::fromLatin1(partition))
                       .arg(inFlight);
        m_librato->setDelayMs(0);
        m_faultDone = true;
        timer->stop();
        timer->deleteLater();
    });
    timer->start(5);
}

void SoakRun::sigtermMidLoad()
{
    Node *old = m_receivers.takeFirst();
    m_sigtermAt = QDateTime::currentSecsSinceEpoch();
    old->signal(SIGTERM);
    if (!old->waitExited(kWaitMs)) {
        mismatch(QStringLiteral("%1 did not exit within %2 ms of SIGTERM")
                     .arg(old->name())
                     .arg(kWaitMs));
        return;
    }
    if (!m_options.redis) {
        // Everything the old process answered 200 is at Librato now: its
        // shutdown delivered it. The answers in flight are read first.
        pollUntil([this] { return m_poster->awaitingAnswer() == 0; }, 10000);
        const Expected snapshot = m_poster->accepted();
        const LibratoView view = readLibrato(*m_librato, m_corpus->drains(), snapshot.series);
        m_mismatches += compareSeries(snapshot.series, view.raw, m_corpus->drains(),
                                      QStringLiteral("delivered-at-sigterm:"));
        expectEqual(QStringLiteral("sigterm: lines_received of the stopped process"),
                    quint64(old->finalMetrics().value("lines_received")), snapshot.lines);
        m_notes << QStringLiteral("lines_before_sigterm=%1").arg(snapshot.lines);
    }
    const QByteArray shutdown = old->shutdownLine();
    if (!shutdown.contains("unstored_buckets=0") || !shutdown.contains("undelivered_requests=0"))
        mismatch(QStringLiteral("sigterm: %1 shut down with %2")
                     .arg(old->name(), QString::fromLatin1(shutdown)));
    Node *fresh = spawn(m_options.redis ? QStringLiteral("-receiver") : QString(), old->port());
    if (fresh && waitHealthy(fresh))
        m_receivers.prepend(fresh);
    m_restartedAt = QDateTime::currentSecsSinceEpoch();
    m_faultDone = true;
}

template<typename T> void SoakRun::expectEqual(const QString &what, T got, T expected)
{
    if (got != expected)
        mismatch(QStringLiteral("%1: got %2, expected %3").arg(what).arg(got).arg(expected));
}

QMap<QByteArray, double> SoakRun::liveCounters() const
{
    QMap<QByteArray, double> sum;
    for (const auto &node : m_nodes) {
        const QMap<QByteArray, double> counters = node->isRunning()
            ? parsePrometheus(
                test::http("GET",
                           QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(node->port())))
                    .body)
            : node->finalMetrics();
        for (auto it = counters.cbegin(); it != counters.cend(); ++it)
            sum[it.key()] += it.value();
    }
    return sum;
}

QMap<QByteArray, double> SoakRun::finalCounters() const
{
    QMap<QByteArray, double> sum;
    for (const auto &node : m_nodes) {
        const QMap<QByteArray, double> counters = node->finalMetrics();
        for (auto it = counters.cbegin(); it != counters.cend(); ++it)
            sum[it.key()] += it.value();
    }
    return sum;
}

bool SoakRun::finish()
{
    // Every line accepted is parsed: /metrics of the running receivers plus
    // the final counters of the stopped ones add up to what was sent.
    const auto expectedLines = double(m_poster->accepted().lines);
    double live = 0;
    if (!pollUntil([&] { return (live = liveCounters().value("lines_received")) == expectedLines; },
                   kWaitMs, 100))
        mismatch(QStringLiteral("/metrics lines_received=%1 after %2 ms, expected %3")
                     .arg(live)
                     .arg(kWaitMs)
                     .arg(expectedLines));

    for (Node *node : std::as_const(m_receivers))
        node->signal(SIGTERM);
    for (Node *node : std::as_const(m_receivers)) {
        if (!node->waitExited(kWaitMs))
            mismatch(QStringLiteral("%1 did not exit within %2 ms of SIGTERM")
                         .arg(node->name())
                         .arg(kWaitMs));
    }
    if (m_redis) {
        // The outlets deliver what the receivers flushed as its windows
        // become ready; a bucket leaves Redis only once its delivery ended.
        test::RedisClient redis(m_redis->port());
        qsizetype left = -1;
        if (!pollUntil(
                [&] {
                    return (left = redis.command({ "KEYS", RedisKeys::bucketPrefix() + '*' }).elements.size()) == 0;
                },
                kWaitMs, 100))
            mismatch(
                QStringLiteral("redis still holds %1 buckets after %2 ms").arg(left).arg(kWaitMs));
        for (Node *node : std::as_const(m_outlets))
            node->signal(SIGTERM);
        for (Node *node : std::as_const(m_outlets)) {
            if (!node->waitExited(kWaitMs))
                mismatch(QStringLiteral("%1 did not exit within %2 ms of SIGTERM")
                             .arg(node->name())
                             .arg(kWaitMs));
        }
    }
    for (const auto &node : m_nodes) {
        if (node.get() == m_killed)
            continue;
        if (node->isRunning() || node->crashed() || node->exitCode() != 0)
            mismatch(QStringLiteral("%1 did not exit cleanly (code %2)")
                         .arg(node->name())
                         .arg(node->exitCode()));
        else if (node->finalMetrics().isEmpty())
            mismatch(QStringLiteral("%1 logged no final counters").arg(node->name()));
    }
    return true;
}

void SoakRun::reconcile()
{
    const Expected &sent = m_poster->accepted();
    const QMap<QByteArray, double> got = finalCounters();
    const auto counter = [&got](const char *name) {
        return quint64(got.value(name));
    };

    // Every line in exactly one outcome, each as the generator predicted.
    expectEqual(QStringLiteral("lines_received"), counter("lines_received"), sent.lines);
    quint64 outcomes = 0;
    for (int i = 0; i < kOutcomeCount; ++i) {
        expectEqual(QString::fromLatin1(outcomeName(i)), counter(outcomeName(i)),
                    sent.counters[size_t(i)]);
        if (i < kLineOutcomes)
            outcomes += counter(outcomeName(i));
    }
    expectEqual(QStringLiteral("sum of line outcomes"), outcomes, sent.lines);
    expectEqual(QStringLiteral("bodies_accepted"), counter("bodies_accepted"), sent.bodies);
    expectEqual(QStringLiteral("bodies_parsed"), counter("bodies_parsed"), sent.bodies);

    // Librato: what it shows (last write wins) is what the corpus holds.
    const QList<Drain> &drains = m_corpus->drains();
    const int failing = drains.last().failing ? int(drains.size()) - 1 : -1;
    const LibratoView view = readLibrato(*m_librato, drains, sent.series);
    const bool restartedMemory = m_options.scenario == Scenario::Sigterm && !m_options.redis;
    if (restartedMemory) {
        // A memory store delivers its open windows when it stops; what the
        // next process gets for those windows replaces them at Librato. So
        // l2met's deliveries are checked raw (a gauge delivered twice would
        // show there), and the replacements must be confined to the windows
        // open at the restart.
        m_mismatches += compareSeries(sent.series, view.raw, drains,
                                      QStringLiteral("librato (raw):"), failing);
        for (const qint64 t : view.overwrittenTimes) {
            if (t < m_sigtermAt - 2 || t > m_restartedAt + kAheadSeconds + 2)
                mismatch(QStringLiteral("gauge at %1 overwritten outside the restart (%2..%3)")
                             .arg(t)
                             .arg(m_sigtermAt)
                             .arg(m_restartedAt));
        }
    } else {
        m_mismatches
            += compareSeries(sent.series, view.lww, drains, QStringLiteral("librato:"), failing);
    }
    m_mismatches += view.sampleErrors + view.unknown;

    // Outlet counters against what the fake accepted.
    const quint64 delivered = counter("gauges_delivered") + counter("gauges_retried_delivered");
    if (m_killed) // its counters died with it
        m_notes << QStringLiteral("killed_outlet_gauges=%1").arg(view.acceptedGauges - delivered);
    else
        expectEqual(QStringLiteral("gauges_delivered+gauges_retried_delivered"), delivered,
                    view.acceptedGauges);
    expectEqual(QStringLiteral("gauges_undeliverable"), counter("gauges_undeliverable"),
                quint64(0));
    expectEqual(QStringLiteral("gauges_failed"), counter("gauges_failed"), view.failingDistinct);
    if (failing >= 0) {
        expectEqual(QStringLiteral("failing account: gauges accepted"), view.failingAccepted,
                    quint64(0));
        expectEqual(QStringLiteral("failing account: attempts"), view.failingGaugeAttempts,
                    view.failingDistinct * quint64(kRetries + 1));
        std::map<SeriesKey, SeriesTotal> failingExpected;
        for (const auto &[key, total] : sent.series) {
            if (key.drain == failing)
                failingExpected.emplace(key, total);
        }
        m_mismatches += compareSeries(failingExpected, view.failingAttempted, drains,
                                      QStringLiteral("failing account (attempted):"));
        if (view.failingDistinct == 0)
            mismatch(QStringLiteral("failing account: nothing was attempted"));
    }

    // The fault happened, and l2met retried through it.
    switch (m_options.scenario) {
    case Scenario::Librato500:
    case Scenario::Librato429:
    case Scenario::LibratoStall:
        if (m_faulted == 0)
            mismatch(QStringLiteral("fault never hit a request to Librato"));
        if (counter("gauges_retried_delivered") == 0)
            mismatch(QStringLiteral("no gauge was retried then delivered"));
        break;
    case Scenario::RedisPause:
    case Scenario::OutletKill:
    case Scenario::Sigterm:
        if (!m_faultDone)
            mismatch(QStringLiteral("the fault never happened"));
        break;
    default:
        break;
    }

    // No secret in any log.
    QList<QByteArray> secrets = m_secrets.split(':');
    if (m_options.tls)
        secrets << kAclPassword;
    for (const Drain &d : drains)
        secrets << d.apiToken << d.token;
    for (const auto &node : m_nodes) {
        QFile file(node->logPath());
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QByteArray log = file.readAll();
        for (const QByteArray &secret : std::as_const(secrets)) {
            if (!secret.isEmpty() && log.contains(secret))
                mismatch(QStringLiteral("%1's log holds a secret").arg(node->name()));
        }
    }

    const Poster::Stats &stats = m_poster->stats();
    const double postSeconds = double(m_postMs) / 1000.0;
    m_summary = QStringLiteral(
                    "store=%1 scenario=%2 result=%3 lines=%4 bodies=%5 seconds=%6 post_seconds=%7 "
                    "lines_per_s=%8 http_503=%9 refused=%10 ambiguous=%11 lines_duplicate=%12 "
                    "librato_requests=%13 gauges=%14 retried_gauges=%15 failed_gauges=%16 "
                    "faulted_requests=%17 resent=%18 overwritten=%19")
                    .arg(storeName(),
                         scenarioName(m_options.scenario),
                         m_mismatches.isEmpty() ? QStringLiteral("ok") : QStringLiteral("MISMATCH"))
                    .arg(sent.lines)
                    .arg(sent.bodies)
                    .arg(double(m_clock.elapsed()) / 1000.0, 0, 'f', 1)
                    .arg(postSeconds, 0, 'f', 1)
                    .arg(postSeconds > 0 ? qint64(double(sent.lines) / postSeconds) : 0)
                    .arg(stats.answered503)
                    .arg(stats.connectErrors)
                    .arg(stats.ambiguous)
                    .arg(counter("lines_duplicate"))
                    .arg(view.requests)
                    .arg(view.acceptedGauges)
                    .arg(counter("gauges_retried_delivered"))
                    .arg(counter("gauges_failed"))
                    .arg(m_faulted)
                    .arg(view.resent)
                    .arg(view.overwritten);
    if (!m_notes.isEmpty())
        m_summary += QLatin1Char(' ') + m_notes.join(QLatin1Char(' '));
}

bool SoakRun::run()
{
    m_clock.start();
    if (setUp()) {
        Poster::Options options;
        options.connections = m_options.connections;
        options.resolution = kResolution;
        options.minSeconds = m_options.minSeconds;
        QList<quint16> ports;
        for (Node *node : std::as_const(m_receivers))
            ports << node->port();
        m_poster = std::make_unique<Poster>(m_corpus.get(), ports, options);
        QObject::connect(m_poster.get(), &Poster::progress, m_poster.get(),
                         [this](qint64 lines) { injectFault(lines); });
        QEventLoop loop;
        QObject::connect(m_poster.get(), &Poster::finished, &loop, &QEventLoop::quit);
        QElapsedTimer posting;
        posting.start();
        m_poster->start();
        if (!m_poster->isFinished())
            loop.exec();
        m_postMs = posting.elapsed();
        if (!m_poster->fatal().isEmpty())
            mismatch(QStringLiteral("posting: ") + m_poster->fatal());
        if (m_redis && m_options.scenario == Scenario::RedisPause)
            pollUntil([this] { return m_faultDone; }, kWaitMs);
        finish();
        reconcile();
    } else {
        m_summary = QStringLiteral("store=%1 scenario=%2 result=SETUP-FAILED")
                        .arg(storeName(),
                             scenarioName(m_options.scenario));
    }
    return m_mismatches.isEmpty();
}

} // namespace l2met::soak
