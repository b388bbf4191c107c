// Registry URLs (file paths, sqlite://, postgresql:// with libpq keywords): parsed or refused with a message;
// a parsed one displays without its password (there is none: ModelDesk refuses passwords in URLs).
#include "registry/location.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto loc = md::parseRegistryUrl(text);
    if (!loc && loc.error().message.isEmpty())
        std::abort();
    if (loc)
        (void)loc->display();
    return 0;
}
