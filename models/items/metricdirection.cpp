#include "metricdirection.h"

#include "gates.h"

#include <QSettings>

namespace md {

namespace {
QString settingsKey(const QString &metricName)
{
    // '/' would open a QSettings group.
    return QStringLiteral("metricDirection/") + QString(metricName).replace(QLatin1Char('/'), QLatin1Char('|'));
}
} // namespace

std::optional<bool> metricDirectionOverride(const QString &metricName)
{
    const QString v = QSettings().value(settingsKey(metricName)).toString();
    if (v == QLatin1String("lower"))
        return true;
    if (v == QLatin1String("higher"))
        return false;
    return std::nullopt;
}

void setMetricDirectionOverride(const QString &metricName, std::optional<bool> lowerIsBetter)
{
    QSettings settings;
    if (!lowerIsBetter)
        settings.remove(settingsKey(metricName));
    else
        settings.setValue(settingsKey(metricName), *lowerIsBetter ? QStringLiteral("lower") : QStringLiteral("higher"));
}

bool metricLowerIsBetter(const QString &metricName)
{
    if (const auto o = metricDirectionOverride(metricName))
        return *o;
    return lowerIsBetter(metricName);
}

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
