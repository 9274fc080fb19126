// The Lua scripts of RedisStore (see its header for the key layout). Scripts
// run atomically in Redis, which is what makes a lock refresh, an unlock and
// the take of a bucket single steps that no other client can interleave with.
// RedisStore runs them by EVALSHA, and by EVAL when the server does not know
// them yet (a restarted Redis, SCRIPT FLUSH); EVAL caches them again.
//
// Immutable after first use; thread-safe.
#pragma once

#include <QByteArray>

namespace l2met {

enum class RedisScript {
    // KEYS[1] lock; ARGV[1] owner, ARGV[2] ttl ms. SET NX PX, or PEXPIRE when
    // the owner already holds it. Returns 1 when the owner holds it now.
    Lock,
    // KEYS[1] lock; ARGV[1] owner. Compare and delete; 1 when released.
    Unlock,
    // KEYS[1] ready set, KEYS[2] ready index (zset), KEYS[3] values counter;
    // ARGV[1] ready second (the index member), ARGV[2] most ids to take,
    // ARGV[3] bucket key prefix. SPOPs up to ARGV[2] ids, LRANGEs and DELs
    // their lists, and once the set is empty DELs the counter and ZREMs the
    // second (else DECRBYs the counter by the values taken). Returns
    // {ids left, id, {values}, id, {values}, ...}; a list that is gone or is
    // not a list gives no values.
    Take,
};

struct RedisScriptText
{
    QByteArray body;
    QByteArray sha; // lowercase hex SHA-1 of body, as EVALSHA wants it
};

const RedisScriptText &redisScript(RedisScript script);

} // namespace l2met
