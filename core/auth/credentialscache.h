// CredentialsCache: the one way from a drain token to the Librato
// credentials it carries (resolveToken: Fernet verification with every
// key, then the split at the first ':'), remembered so a busy drain costs
// one verification, not one per request or per batch. The receiver (at
// ingest), the outlet (to build batches), the engine's snapshots (the user
// the window shows) and local sources (their credentials) all use the
// engine's one cache.
//
// Bounded: at most maxEntries tokens; when full it is emptied and refills
// as tokens are seen again (each then costs one verification). Only tokens
// that resolve are kept: a stream of bad tokens costs a verification each,
// as without a cache, and cannot push the good ones out.
//
// Thread-safe (one mutex; a hit is one hash lookup).
#pragma once

#include "auth/credentials.h"
#include "auth/fernet.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>

#include <memory>

namespace l2met {

class CredentialsCache
{
public:
    static constexpr int kMaxEntries = 10000;

    explicit CredentialsCache(std::shared_ptr<const Fernet> fernet, int maxEntries = kMaxEntries);

    // The credentials token carries, or why it carries none (InvalidToken,
    // NoColon; EmptyToken for an empty token). *out is set only on None.
    AuthError resolve(const QByteArray &token, Credentials *out) const;
    // An Authorization header value (`Basic base64(TOKEN:)`) to its token
    // and credentials: parseBasicAuth, then resolve.
    AuthResult authenticate(QByteArrayView headerValue) const;

    const Fernet &fernet() const { return *m_fernet; }
    int size() const;

private:
    const std::shared_ptr<const Fernet> m_fernet;
    const int m_maxEntries;
    mutable QMutex m_mutex;
    mutable QHash<QByteArray, Credentials> m_entries;
};

} // namespace l2met
