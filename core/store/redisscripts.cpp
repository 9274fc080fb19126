#include "store/redisscripts.h"

#include <QCryptographicHash>

#include <array>

namespace l2met {

namespace {

constexpr size_t kScriptCount = 3;

const char *const kBodies[kScriptCount] = {
    // Lock
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end\n"
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "  return 1\n"
    "end\n"
    "return 0\n",
    // Unlock
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n",
    // Take
    "local ids = redis.call('SPOP', KEYS[1], tonumber(ARGV[2]))\n"
    "local out = {0}\n"
    "local taken = 0\n"
    "for _, id in ipairs(ids) do\n"
    "  local key = ARGV[3] .. id\n"
    "  local values = redis.pcall('LRANGE', key, 0, -1)\n"
    "  if type(values) ~= 'table' or values.err then values = {} end\n"
    "  redis.call('DEL', key)\n"
    "  taken = taken + #values\n"
    "  out[#out + 1] = id\n"
    "  out[#out + 1] = values\n"
    "end\n"
    "local left = redis.call('SCARD', KEYS[1])\n"
    "if left == 0 then\n"
    "  redis.call('DEL', KEYS[3])\n"
    "  redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "elseif taken > 0 then\n"
    "  redis.call('DECRBY', KEYS[3], taken)\n"
    "end\n"
    "out[1] = left\n"
    "return out\n",
};

} // namespace

const RedisScriptText &redisScript(RedisScript script)
{
    static const std::array<RedisScriptText, kScriptCount> all = [] {
        std::array<RedisScriptText, kScriptCount> texts;
        for (size_t i = 0; i < kScriptCount; ++i) {
            texts[i].body = QByteArray(kBodies[i]);
            texts[i].sha
                = QCryptographicHash::hash(texts[i].body, QCryptographicHash::Sha1).toHex();
        }
        return texts;
    }();
    const size_t index = size_t(script);
    Q_ASSERT(index < kScriptCount);
    return all[index];
}

} // namespace l2met
