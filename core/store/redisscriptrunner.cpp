#include "store/redisscriptrunner.h"

#include <utility>

namespace l2met {

bool isNoScript(const redisReply *reply)
{
    return isErrorReply(reply, "NOSCRIPT");
}

RedisScriptRunner::RedisScriptRunner(RedisConnection &connection, std::atomic<quint64> *exchanges)
    : m_connection(connection)
    , m_exchanges(exchanges)
{ }

std::vector<RedisReply> RedisScriptRunner::run(RedisScript script, int keys, size_t calls,
                                               const ArgumentWriter &writeArguments)
{
    m_broken = false;
    m_error.clear();
    if (calls == 0)
        return {};
    const RedisScriptText &text = redisScript(script);
    const QByteArray keyCount = QByteArray::number(keys);
    RedisConnection &c = m_connection;
    std::vector<RedisReply> replies(calls);
    std::vector<size_t> pending(calls);
    for (size_t i = 0; i < calls; ++i)
        pending[i] = i;
    for (const bool bySha : { true, false }) {
        for (const size_t i : pending) {
            c.begin();
            c.arg(bySha ? QByteArrayView("EVALSHA") : QByteArrayView("EVAL"));
            c.arg(bySha ? text.sha : text.body);
            c.arg(keyCount);
            writeArguments(i, c);
            c.end();
        }
        if (m_exchanges)
            ++*m_exchanges;
        std::vector<size_t> unknown; // NOSCRIPT: nothing ran; sent again by EVAL
        for (const size_t i : pending) {
            RedisReply reply = c.next();
            if (!reply) {
                m_broken = true;
                m_error = c.error();
                while (c.pending() > 0)
                    c.next(); // a broken connection answers nullptr at once
                return replies;
            }
            if (bySha && isNoScript(reply.get()))
                unknown.push_back(i);
            else
                replies[i] = std::move(reply);
        }
        pending.swap(unknown);
        if (pending.empty())
            break;
    }
    return replies;
}

std::vector<RedisReply> RedisScriptRunner::run(RedisScript script, int keys,
                                               const std::vector<std::vector<QByteArray>> &calls)
{
    return run(script, keys, calls.size(), [&calls](size_t index, RedisConnection &c) {
        for (const QByteArray &argument : calls[index])
            c.arg(argument);
    });
}

} // namespace l2met
