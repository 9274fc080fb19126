// SoakRun: one scenario of the soak test against one store. Starts a fake
// Librato, a redis-server (for the Redis store) and the l2met processes
// (memory: one process in both roles; Redis: two receivers and two
// outlets), posts the corpus through the Poster, injects the scenario's
// fault mid-load, shuts everything down gracefully, and reconciles:
//  - l2met's line outcome and parser counters (final `at=metrics` lines of
//    every process, and /metrics while running) against the generator's,
//    exactly;
//  - the fake Librato's per-metric count and sum (last write wins per
//    credentials, name, source and measure_time) against the generator's,
//    exactly; samples by value;
//  - the outlet counters against the gauges the fake accepted, and the
//    failing account's gauges against gauges_failed;
//  - that the fault happened at all, every process exited cleanly, and no
//    secret appears in any log.
// run() returns the summary; mismatches() says what did not hold.
//
// Main thread only.
#pragma once

#include "corpus.h"

#include <QElapsedTimer>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace l2met::test {
class FakeLibrato;
class RedisServer;
} // namespace l2met::test

namespace l2met::soak {

class Node;
class Poster;

enum class Scenario {
    Clean,
    Librato500,
    Librato429,
    LibratoStall,
    FailingAccount,
    RedisPause,
    OutletKill,
    Sigterm
};
// "clean", "librato-500", ...; false for an unknown name.
bool scenarioFromName(const QString &name, Scenario *out);
QString scenarioName(Scenario s);
bool scenarioAppliesTo(Scenario s, bool redis);

struct SoakOptions
{
    QString binary;
    bool redis = false;
    // With redis: over rediss:// (TLS, the server's certificate checked
    // against a throw-away CA) as a Redis ACL user with the least rights.
    bool tls = false;
    Scenario scenario = Scenario::Clean;
    qint64 lines = 100000;
    quint64 seed = 1;
    int connections = 8;
    double minSeconds = 0; // spread the posting over at least this long
    bool keep = false; // keep the logs' directory
    // How long Redis stays paused. At the 2 s Redis command timeout a flush
    // that Redis takes as it resumes is also retried (the known bug);
    // longer pauses time every Redis call out and fill the outbox.
    int pauseMs = 2000;
};

class SoakRun
{
public:
    explicit SoakRun(SoakOptions options);
    ~SoakRun();

    // True when everything reconciled. The summary is one logfmt line.
    bool run();
    QString summary() const { return m_summary; }
    QStringList mismatches() const { return m_mismatches; }
    QString logDir() const;
    // "memory", "redis" or "rediss".
    QString storeName() const;

private:
    static constexpr int kResolution = 1;
    static constexpr int kAheadSeconds = 5;
    static constexpr int kRecvDeadline = 7;
    static constexpr int kRetries = 4;
    static constexpr int kPartitions = 4;

    bool setUp();
    Node *spawn(const QString &role, quint16 port);
    bool waitHealthy(Node *node);
    void injectFault(qint64 acceptedLines);
    void sigtermMidLoad();
    void killLockHolder();
    bool finish();
    void reconcile();
    QMap<QByteArray, double> liveCounters() const;
    QMap<QByteArray, double> finalCounters() const;
    void mismatch(const QString &text) { m_mismatches << text; }
    template<typename T> void expectEqual(const QString &what, T got, T expected);

    SoakOptions m_options;
    QTemporaryDir m_dir;
    QByteArray m_secrets;
    std::unique_ptr<test::FakeLibrato> m_librato;
    std::unique_ptr<test::RedisServer> m_redis;
    std::unique_ptr<Corpus> m_corpus;
    std::unique_ptr<Poster> m_poster;
    std::vector<std::unique_ptr<Node>> m_nodes; // every process, dead ones too
    QList<Node *> m_receivers; // the live ones
    QList<Node *> m_outlets;
    Node *m_killed = nullptr;
    int m_serial = 0;

    QElapsedTimer m_clock;
    qint64 m_postMs = 0;
    bool m_faultArmed = false;
    bool m_faultDone = false;
    qint64 m_faultStartMs = -1; // fake Librato's clock
    quint64 m_faulted = 0;
    qint64 m_lastLibratoRequestMs = -1; // m_clock
    qint64 m_sigtermAt = 0; // unix seconds
    qint64 m_restartedAt = 0;
    QString m_summary;
    QStringList m_mismatches;
    QStringList m_notes;
};

} // namespace l2met::soak
