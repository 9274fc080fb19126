#include "store/redisscripts.h"

#include <QCryptographicHash>

#include <array>

namespace l2met {

namespace {

constexpr size_t kScriptCount = 9;

// Lua that Read and Take start with (redisScript() prepends it). An
// encoded id's type is its 14th byte (BucketId::encode: version, 8 bytes of
// time, 4 of resolution); 3 is unique#. answerSketch puts the sketch key's
// value (a dense HyperLogLog) in place of the first marker of a unique
// bucket's list.
constexpr const char *kSketchLua
    = "local function isUnique(id) return string.byte(id, 14) == 3 end\n"
      "local function answerSketch(values, key, marker)\n"
      "  for i, v in ipairs(values) do\n"
      "    if v == marker then\n"
      "      local h = redis.pcall('GET', key)\n"
      "      if type(h) == 'string' then values[i] = h end\n"
      "      return\n"
      "    end\n"
      "  end\n"
      "end\n";

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
    "  if isUnique(id) then\n"
    "    answerSketch(values, ARGV[4] .. id, ARGV[5])\n"
    "    redis.call('DEL', ARGV[4] .. id)\n"
    "  end\n"
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
    // Refresh
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "  return 1\n"
    "end\n"
    "return 0\n",
    // Read: the index is cleaned before SRANDMEMBER, as writes that follow a
    // random command need effects replication.
    "local seconds = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])\n"
    "local live = {}\n"
    "for _, at in ipairs(seconds) do\n"
    "  if redis.call('EXISTS', ARGV[4] .. at .. ARGV[5]) == 1 then\n"
    "    live[#live + 1] = at\n"
    "  else\n"
    "    redis.call('ZREM', KEYS[1], at)\n"
    "  end\n"
    "end\n"
    "local limit = tonumber(ARGV[2])\n"
    "local out = {}\n"
    "local count = 0\n"
    "for _, at in ipairs(live) do\n"
    "  if count >= limit then break end\n"
    "  local ids = redis.call('SRANDMEMBER', ARGV[4] .. at .. ARGV[5], limit - count)\n"
    "  for _, id in ipairs(ids) do\n"
    "    local values = redis.pcall('LRANGE', ARGV[3] .. id, 0, -1)\n"
    "    if type(values) ~= 'table' or values.err then values = {} end\n"
    "    if isUnique(id) then answerSketch(values, ARGV[6] .. id, ARGV[7]) end\n"
    "    out[#out + 1] = at\n"
    "    out[#out + 1] = id\n"
    "    out[#out + 1] = values\n"
    "    count = count + 1\n"
    "  end\n"
    "end\n"
    "return out\n",
    // Acknowledge
    "if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local removed = 0\n"
    "for i = 7, #ARGV, 3 do\n"
    "  local at = ARGV[i]\n"
    "  local id = ARGV[i + 1]\n"
    "  local list = ARGV[2] .. id\n"
    "  local set = ARGV[3] .. at .. ARGV[5]\n"
    "  local counter = ARGV[4] .. at .. ARGV[5]\n"
    "  local len = redis.pcall('LLEN', list)\n"
    "  if type(len) ~= 'number' then\n"
    "    redis.call('DEL', list)\n"
    "    len = 0\n"
    "  end\n"
    "  local n = math.min(tonumber(ARGV[i + 2]), len)\n"
    "  if n >= len then\n"
    "    if len > 0 then redis.call('DEL', list) end\n"
    "    if string.byte(id, 14) == 3 then redis.call('DEL', ARGV[6] .. id) end\n"
    "    redis.call('SREM', set, id)\n"
    "  elseif n > 0 then\n"
    "    redis.call('LTRIM', list, n, -1)\n"
    "  end\n"
    "  removed = removed + n\n"
    "  if redis.call('SCARD', set) == 0 then\n"
    "    redis.call('DEL', set, counter)\n"
    "    redis.call('ZREM', KEYS[2], at)\n"
    "  elseif n > 0 and redis.call('EXISTS', counter) == 1 then\n"
    "    redis.call('DECRBY', counter, n)\n"
    "  end\n"
    "end\n"
    "return removed\n",
    // DropJunk
    "local n = redis.call('LREM', KEYS[1], ARGV[2], ARGV[1])\n"
    "if n > 0 and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECRBY', KEYS[2], n) end\n"
    "return n\n",
    // Put
    "if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end\n"
    "local i = 2\n"
    "while i <= #ARGV do\n"
    "  local key, ready, counter, index = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]\n"
    "  local id, at, expireAt = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]\n"
    "  local n = tonumber(ARGV[i + 7])\n"
    "  local first = i + 8\n"
    "  local last = first + n - 1\n"
    "  for from = first, last, 4096 do\n"
    "    redis.call('RPUSH', key, unpack(ARGV, from, math.min(from + 4095, last)))\n"
    "  end\n"
    "  local sketch, blob = ARGV[last + 1], ARGV[last + 2]\n"
    "  if blob ~= '' then\n"
    "    redis.call('SET', sketch .. ':m', blob)\n"
    "    redis.call('PFMERGE', sketch, sketch .. ':m')\n"
    "    redis.call('DEL', sketch .. ':m')\n"
    "    redis.call('EXPIREAT', sketch, expireAt)\n"
    "  end\n"
    "  redis.call('SADD', ready, id)\n"
    "  redis.call('ZADD', index, at, at)\n"
    "  redis.call('INCRBY', counter, n)\n"
    "  redis.call('EXPIREAT', key, expireAt)\n"
    "  redis.call('EXPIREAT', ready, expireAt)\n"
    "  redis.call('EXPIREAT', counter, expireAt)\n"
    "  i = last + 3\n"
    "end\n"
    "return 1\n",
    // Probe
    "local s, l, t, z, h = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]\n"
    "redis.call('SET', s, '0', 'NX', 'EX', 60)\n"
    "redis.call('PEXPIRE', s, 60000)\n"
    "redis.call('GET', s)\n"
    "redis.call('INCRBY', s, 1)\n"
    "redis.call('DECRBY', s, 1)\n"
    "redis.call('EXISTS', s)\n"
    "redis.call('RPUSH', l, '0', '0')\n"
    "redis.call('EXPIREAT', l, ARGV[1])\n"
    "redis.call('LRANGE', l, 0, -1)\n"
    "redis.pcall('LLEN', l)\n"
    "redis.call('LTRIM', l, 1, -1)\n"
    "redis.call('LREM', l, 1, '0')\n"
    "redis.call('SADD', t, 'a', 'b')\n"
    "redis.call('SCARD', t)\n"
    "redis.call('SRANDMEMBER', t, 1)\n"
    "redis.call('SPOP', t, 1)\n"
    "redis.call('SREM', t, 'a', 'b')\n"
    "redis.call('ZADD', z, 0, '0')\n"
    "redis.call('ZRANGEBYSCORE', z, '-inf', 0)\n"
    "redis.call('ZREM', z, '0')\n"
    "redis.call('PFADD', h, 'a')\n"
    "redis.call('PFMERGE', h, h)\n"
    "redis.call('GET', h)\n"
    "redis.call('DEL', s, l, t, z, h)\n"
    "return 1\n",
};

} // namespace

const RedisScriptText &redisScript(RedisScript script)
{
    static const std::array<RedisScriptText, kScriptCount> all = [] {
        std::array<RedisScriptText, kScriptCount> texts;
        for (size_t i = 0; i < kScriptCount; ++i) {
            texts[i].body = QByteArray(kBodies[i]);
            if (i == size_t(RedisScript::Read) || i == size_t(RedisScript::Take))
                texts[i].body.prepend(kSketchLua);
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
