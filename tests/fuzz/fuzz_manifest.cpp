// The registration manifest (JSON): accepted as a valid spec, or refused with a message.
#include "registry/manifest.h"
#include "registry/validation.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto spec = md::parseManifest(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)),
                                        QStringLiteral("fuzz.json"));
    if (!spec && spec.error().message.isEmpty())
        std::abort();
    if (spec)
        (void)md::validateVersionSpec(*spec);
    return 0;
}
