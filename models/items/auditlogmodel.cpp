#include "auditlogmodel.h"

#include "lifecycleclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace md {

namespace {

// The details JSON as "key: value" pairs a person can scan.
QString readableDetails(const QString &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    if (o.isEmpty())
        return json;
    QStringList parts;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.value().isNull() || it.value().isUndefined())
            continue;
        const QJsonValue v = it.value();
        QString value;
        if (v.isString())
            value = v.toString();
        else if (v.isDouble())
            value = QString::number(v.toDouble());
        else if (v.isBool())
            value = v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        else if (v.isArray())
            value = QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
        else
            value = QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
        parts << it.key() + QStringLiteral(": ") + value;
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace

AuditLogModel::AuditLogModel(QObject *parent) : QAbstractTableModel(parent) {}

void AuditLogModel::setClient(LifecycleClient *client)
{
    m_client = client;
}

void AuditLogModel::setFilter(const AuditFilter &filter)
{
    m_filter = filter;
    reload();
}

void AuditLogModel::reload()
{
    if (!m_client)
        return;
    const quint64 generation = ++m_generation;
    m_client->loadAudit(m_filter, this, [this, generation](Result<QList<AuditEntry>> r) {
        if (generation != m_generation)
            return;
        if (!r) {
            emit loadFailed(r.error().message);
            return;
        }
        beginResetModel();
        m_rows = std::move(*r);
        std::sort(m_rows.begin(), m_rows.end(), [](const AuditEntry &a, const AuditEntry &b) { return a.id > b.id; });
        endResetModel();
        emit loaded(int(m_rows.size()));
    });
}

int AuditLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const AuditEntry &e = m_rows.at(index.row());
    if (role == EntryIdRole)
        return e.id;
    if (role == ActionRole)
        return e.action;
    if (role == Qt::ToolTipRole && index.column() == DetailsColumn)
        return e.details;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case AtColumn:
        return QString(e.at).replace(QLatin1Char('T'), QLatin1Char(' ')).left(19);
    case ActorColumn:
        return e.actor;
    case ActionColumn:
        return e.action;
    case ObjectColumn:
        return e.objectKey;
    case DetailsColumn:
        return readableDetails(e.details);
    default:
        return {};
    }
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"When (UTC)", "Actor", "Action", "Object", "Details"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace md
