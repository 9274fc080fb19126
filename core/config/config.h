// Config: every setting of l2met (docs/behaviour.md section 7) as a value type, with
// l2met's names and defaults. ConfigLoader fills it from flags, environment
// and an INI file (precedence flag > environment > file > default) and
// validates it.
//
// Value type; thread-safe to copy and read.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace l2met {

struct Config
{
    // Receiver
    QString bind = QStringLiteral("0.0.0.0"); // --bind
    int port = 8080;                          // -port, PORT
    bool receiver = false;                    // -receiver
    bool outlet = false;                      // -outlet
    int concurrency = 0;                      // -concurrency; 0 = one per core
    int buffer = 1024;                        // -buffer: bodies the inbox holds
    qint64 inboxBytes = 64LL << 20;           // --inbox-bytes: byte budget of the inbox
    qint64 maxBodyBytes = 8LL << 20;          // --max-body: larger bodies get 413
    int maxConnections = 4096;                // --max-connections
    qint64 maxBufferedBytes = 256LL << 20;    // --max-buffered: request bytes all connections hold
    int recvDeadline = 2;                     // -recv-deadline, in resolutions
    bool routerStatus = true;                 // --router-status: router.status.Nxx counters
    int maxSeries = 10000;                    // --max-series, MAX_SERIES: new series per drain per window; 0 = no limit

    // Register and store
    int flushIntervalMs = 1000;   // -flush-interval
    int partitions = 1;           // -partitions
    QString redisUrl;             // REDIS_URL (--redis-url); empty = memory store
    QString redisCa;              // REDIS_CA (--redis-ca): CA file for rediss://
    bool redisTlsVerify = true;   // REDIS_TLS_VERIFY (--redis-tls-verify)
    int outboxFlushes = 30;       // --outbox: flushes the outbox holds while the store is down
    int maxBuckets = 1000000;     // --max-buckets, MAX_BUCKETS: buckets held in memory, then /logs 503

    // Outlet
    int outletIntervalMs = 1000;  // -outlet-interval
    int outletRetry = 2;          // -outlet-retry: attempts after the first
    int outletTtlMs = 2000;       // -outlet-ttl: per-request timeout
    QString libratoUrl = QStringLiteral("https://metrics-api.librato.com"); // --librato-url
    bool preview = false;         // --preview: build payloads, send nothing
    QString percentiles = QStringLiteral("50,95,99"); // --percentiles, PERCENTILES: of each measurement

    // Local sources (core/source/)
    bool readStdin = false;        // --stdin
    QStringList command;           // -- CMD ARGS... (not in the file)
    QStringList tailFiles;         // --tail FILE (repeatable)
    bool fromStart = false;        // --from-start: tailed files from their start
    QStringList herokuApps;        // --heroku-app APP (repeatable)
    QString syslogAddress;         // --syslog HOST:PORT
    int localResolution = 10;      // --local-resolution: seconds, divides 3600
    QString libratoUser;           // --librato-user, LIBRATO_USER
    QByteArray libratoToken;       // --librato-token, LIBRATO_TOKEN; never logged
    QByteArray drainToken;         // --drain-token: credentials of local sources as a drain token; never logged
    QString previewOut;            // --preview-out FILE: headless preview payloads (default stdout)

    // Auth
    QByteArray secrets;           // SECRETS (--secrets): "key1:key2:..."; never logged

    // Process
    QString metchanUrl;           // METCHAN_URL (--metchan-url)
    bool verbose = false;         // -v
    bool noGui = false;           // --no-gui
    QString configFile;           // --config; empty = the default path

    // With neither -receiver nor -outlet, a process is both.
    bool runsReceiver() const { return receiver || !outlet; }
    bool runsOutlet() const { return outlet || !receiver; }
    int effectiveConcurrency() const;

    friend bool operator==(const Config &, const Config &) = default;
};

} // namespace l2met
