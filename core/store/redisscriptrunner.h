// RedisScriptRunner: runs the Lua scripts of redisscripts.h on one
// connection, the one place the EVALSHA -> EVAL fallback is written. Every
// call goes out as EVALSHA (the script's SHA-1, not its body); the calls the
// server answers NOSCRIPT (it does not know the script: restarted, SCRIPT
// FLUSH, a failover; nothing ran) go out again as EVAL, which also caches
// the script for the next EVALSHA. Calls are pipelined: all of one run()
// are sent before the first reply is read, so a run is one exchange, two
// when some call needed EVAL.
//
// The runner retries nothing else and keeps no state beyond one run: what a
// failure means (close the connection, mark the store down) is for its
// caller (RedisStore). Not thread-safe, like the connection it uses.
#pragma once

#include "store/redisconnection.h"
#include "store/redisscripts.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <vector>

namespace l2met {

class RedisScriptRunner
{
public:
    // Appends the arguments of call `index` after EVALSHA sha numkeys (its
    // keys, then its other arguments) with RedisConnection::arg(). Called
    // once per call, and again for a call sent by EVAL: what the views point
    // at must stay valid until run() returns.
    using ArgumentWriter = std::function<void(size_t index, RedisConnection &connection)>;

    // exchanges (may be null) counts the request/reply exchanges made.
    explicit RedisScriptRunner(RedisConnection &connection,
                               std::atomic<quint64> *exchanges = nullptr);

    // Runs `calls` calls of script, each with `keys` keys. Returns one reply
    // per call, in order (error replies included). When the connection
    // broke, broken() is true, error() says why, and the calls not answered
    // before it broke have no reply (nullptr); their scripts may or may not
    // have run. The connection then has nothing pending; close it.
    std::vector<RedisReply> run(RedisScript script, int keys, size_t calls,
                                const ArgumentWriter &writeArguments);
    // The same with each call's arguments in a list.
    std::vector<RedisReply> run(RedisScript script, int keys,
                                const std::vector<std::vector<QByteArray>> &calls);

    bool broken() const { return m_broken; }
    QString error() const { return m_error; }

private:
    RedisConnection &m_connection;
    std::atomic<quint64> *m_exchanges;
    bool m_broken = false;
    QString m_error;
};

// A NOSCRIPT error reply: EVALSHA of a script the server does not know.
bool isNoScript(const redisReply *reply);

} // namespace l2met
