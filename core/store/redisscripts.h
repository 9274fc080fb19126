// The Lua scripts of RedisStore (see its header for the key layout; the key
// names and prefixes they are given come from rediskeys.h). Scripts run
// atomically in Redis, which is what makes a put chunk, a read, an
// acknowledgement, a lock refresh, an unlock and the take of a bucket single
// steps that no other client can interleave with. RedisScriptRunner runs
// them by EVALSHA, and by EVAL when the server does not know them yet (a
// restarted Redis, SCRIPT FLUSH); EVAL caches them again.
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
    // ARGV[3] bucket key prefix, ARGV[4] sketch key prefix, ARGV[5] the
    // sketch marker. SPOPs up to ARGV[2] ids, LRANGEs and DELs their lists
    // (a unique bucket's first marker answered with its sketch key's value,
    // which is DELed too), and once the set is empty DELs the counter and ZREMs the
    // second (else DECRBYs the counter by the values taken). Returns
    // {ids left, id, {values}, id, {values}, ...}; a list that is gone or is
    // not a list gives no values.
    Take,
    // KEYS[1] lock; ARGV[1] owner, ARGV[2] ttl ms. PEXPIRE only when the
    // owner holds the lock (never takes a free one). 1 when extended.
    Refresh,
    // KEYS[1] ready index (zset); ARGV[1] upTo, ARGV[2] most ids to read,
    // ARGV[3] bucket key prefix, ARGV[4] ready set prefix, ARGV[5] ready set
    // suffix (":P"), ARGV[6] sketch key prefix, ARGV[7] the sketch marker
    // (a unique bucket's first marker is answered with its sketch key's
    // value: RedisBucketCodec). First drops from the index the seconds up to upTo whose
    // set is gone (expired), then reads ids of the others, oldest second
    // first (SRANDMEMBER: distinct ids, any of them) and LRANGEs their lists.
    // Writes nothing else. Returns {second, id, {values}, second, id,
    // {values}, ...}; a list that is gone or is not a list gives no values.
    Read,
    // KEYS[1] lock, KEYS[2] ready index; ARGV[1] lock owner ("" = no check),
    // ARGV[2] bucket key prefix, ARGV[3] ready set prefix, ARGV[4] values
    // counter prefix, ARGV[5] suffix (":P"), ARGV[6] sketch key prefix, then
    // (second, id, n) triples.
    // With an owner that does not hold the lock, returns -1 and changes
    // nothing. Else, per triple: removes the first min(n, LLEN) values of the
    // list (LTRIM n -1, or DEL when that is all of them, or when the key is
    // not a list); when the list is then empty or gone, SREMs the id (and
    // DELs a unique bucket's sketch key); once
    // the set is empty DELs it and its counter and ZREMs the second, else
    // DECRBYs the counter (when it exists) by the values removed. Returns
    // the values removed.
    Acknowledge,
    // KEYS[1] bucket list, KEYS[2] its values counter; ARGV[1] an element
    // that is not a number, ARGV[2] how many of it. LREMs them from the head
    // (a read saw them there) and DECRBYs the counter. Returns the count.
    DropJunk,
    // KEYS[1] write token; ARGV[1] its ttl in seconds, then per bucket: list
    // key, ready set, values counter, ready index, id, ready second, expiry
    // (unix seconds), n, n values, sketch key and sketch (a dense
    // HyperLogLog, or empty). When the token is new (SET NX EX), per bucket:
    // RPUSHes the values, SADDs the id, ZADDs the second, INCRBYs the counter
    // by n and EXPIREATs the list, set and counter; a sketch is PFMERGEd into
    // the sketch key (through SET of KEY:m, DELed after) which is
    // EXPIREATed alike; returns 1.
    // When the token exists (this chunk was written already: a retry of a
    // write whose answer was lost), writes nothing and returns 0.
    Put,
    // KEYS[1..5] a string, a list, a set, a zset and a HyperLogLog under l2met's prefix that
    // hold nothing (RedisKeys::probe); ARGV[1] a far expiry (unix seconds).
    // Calls, harmlessly, every command the other scripts call, on keys of
    // every type, then deletes the five keys; returns 1. Run at start-up
    // (RedisStore::checkAccess) so that a Redis ACL user lacking a command or
    // l2met's key pattern is a clear error then, not a failed flush later.
    Probe,
};

struct RedisScriptText
{
    QByteArray body;
    QByteArray sha; // lowercase hex SHA-1 of body, as EVALSHA wants it
};

const RedisScriptText &redisScript(RedisScript script);

} // namespace l2met
