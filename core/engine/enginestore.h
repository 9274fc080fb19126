// The Engine's store, made from the configuration (docs/behaviour.md
// section 6): a MemoryStore without --redis-url; else a RedisStore with the
// TLS settings, whose access is checked at once (RedisStore::checkAccess,
// on the calling thread, bounded by the connect and command timeouts).
// Refused credentials, commands or keys, or a certificate that does not
// verify, fail the start: nullptr and *error. An unreachable Redis is
// logged and the store returned: /health reports it and every call retries,
// as when Redis goes away later.
#pragma once

#include "config/config.h"
#include "store/store.h"

#include <QString>

#include <memory>

namespace l2met {

std::unique_ptr<Store> makeEngineStore(const Config &config, QString *error);

} // namespace l2met
