// Gate policy files (`modelctl gates set --file`): JSON read into policies or refused with a message.
#include "registry/gates.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!doc.isObject())
        return 0;
    const auto policies = md::parseGatePolicies(doc.object());
    if (!policies && policies.error().message.isEmpty())
        std::abort();
    return 0;
}
