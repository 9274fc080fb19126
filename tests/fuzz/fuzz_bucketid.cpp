// libFuzzer target: the input is a store key. BucketId::decode must not
// crash, and the encoding is canonical: whatever decodes re-encodes to
// exactly the input bytes.
#include "bucket/bucketid.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace l2met;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    const std::optional<BucketId> id = BucketId::decode(input);
    if (!id)
        return 0;
    if (id->resolution <= 0)
        __builtin_trap();
    const QByteArray encoded = id->encode();
    if (size_t(encoded.size()) != size || (size && std::memcmp(encoded.constData(), data, size) != 0))
        __builtin_trap();
    if (BucketId::decode(encoded) != id)
        __builtin_trap();
    (void)id->partition(7);
    return 0;
}
