#include "auth/credentialscache.h"

#include <QMutexLocker>

#include <algorithm>

namespace l2met {

CredentialsCache::CredentialsCache(std::shared_ptr<const Fernet> fernet, int maxEntries)
    : m_fernet(std::move(fernet))
    , m_maxEntries(std::max(1, maxEntries))
{
    Q_ASSERT(m_fernet);
}

AuthError CredentialsCache::resolve(const QByteArray &token, Credentials *out) const
{
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_entries.constFind(token);
        if (it != m_entries.cend()) {
            if (out)
                *out = *it;
            return AuthError::None;
        }
    }
    // Verified outside the lock: a Fernet verification is an HMAC and an
    // AES decryption, and other threads' hits need not wait for it.
    Credentials credentials;
    const AuthError error = resolveToken(token, *m_fernet, &credentials);
    if (error != AuthError::None)
        return error;
    {
        QMutexLocker lock(&m_mutex);
        if (m_entries.size() >= m_maxEntries)
            m_entries.clear();
        m_entries.insert(token, credentials);
    }
    if (out)
        *out = std::move(credentials);
    return AuthError::None;
}

AuthResult CredentialsCache::authenticate(QByteArrayView headerValue) const
{
    AuthResult result;
    const BasicAuth basic = parseBasicAuth(headerValue);
    if (basic.error != AuthError::None) {
        result.error = basic.error;
        return result;
    }
    result.error = resolve(basic.user, &result.credentials);
    if (result.error == AuthError::None)
        result.token = basic.user;
    else
        result.credentials = Credentials();
    return result;
}

int CredentialsCache::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_entries.size());
}

} // namespace l2met
