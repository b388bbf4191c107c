#include "metricdirection.h"

namespace md {

MetricKeyParts splitMetricKey(const QString &key)
{
    MetricKeyParts p;
    QString rest = key;
    const qsizetype bracket = rest.indexOf(QLatin1Char('['));
    if (bracket >= 0 && rest.endsWith(QLatin1Char(']'))) {
        p.slice = rest.mid(bracket + 1, rest.size() - bracket - 2);
        rest = rest.left(bracket);
    }
    const qsizetype at = rest.indexOf(QLatin1Char('@'));
    if (at >= 0) {
        p.dataset = rest.mid(at + 1);
        rest = rest.left(at);
    }
    p.name = rest;
    return p;
}

} // namespace md
