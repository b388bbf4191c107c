// The search filter: parsed and compiled to SQL for both dialects. Any input either compiles or fails with a
// FilterError inside the text; nothing crashes, nothing runs away (the limits in search.h).
#include "registry/search.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    for (md::Dialect d : {md::Dialect::Sqlite, md::Dialect::Postgres}) {
        const md::CompiledFilter c = md::compileFilter(text, d);
        if (!c.ok() &&
            (!c.error || c.error->message.isEmpty() || c.error->position < 0 || c.error->position > text.size()))
            std::abort(); // an error must say what and where
    }
    return 0;
}
