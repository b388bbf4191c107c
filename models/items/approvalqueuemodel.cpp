#include "approvalqueuemodel.h"

#include "lifecycleclient.h"

#include <QBrush>
#include <QColor>

namespace md {

ApprovalQueueModel::ApprovalQueueModel(QObject *parent) : QAbstractTableModel(parent) {}

void ApprovalQueueModel::setClient(LifecycleClient *client)
{
    m_client = client;
}

void ApprovalQueueModel::reload()
{
    if (!m_client)
        return;
    const quint64 generation = ++m_generation;
    m_client->loadRequests(true, this, [this, generation](Result<QList<ApprovalRequest>> r) {
        if (generation != m_generation)
            return; // a newer reload is on its way
        if (!r) {
            emit loadFailed(r.error().message);
            return;
        }
        setRequests(*r);
    });
}

void ApprovalQueueModel::setRequests(const QList<ApprovalRequest> &requests)
{
    beginResetModel();
    m_rows = requests;
    std::sort(m_rows.begin(), m_rows.end(),
              [](const ApprovalRequest &a, const ApprovalRequest &b) { return a.requestedAt < b.requestedAt; });
    endResetModel();
    emit loaded(int(m_rows.size()));
}

int ApprovalQueueModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ApprovalQueueModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ApprovalQueueModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ApprovalRequest &q = m_rows.at(index.row());
    int approvals = 0;
    for (const ApprovalDecision &d : q.decisions)
        approvals += d.decision == QLatin1String("approve") ? 1 : 0;
    switch (role) {
    case RequestIdRole:
        return q.id;
    case ModelNameRole:
        return q.modelName;
    case VersionRole:
        return q.version;
    case GatesPassedRole:
        return q.gatesPassed;
    case Qt::DisplayRole:
        switch (index.column()) {
        case ModelColumn:
            return q.modelName;
        case VersionColumn:
            return QStringLiteral("v%1").arg(q.version);
        case AgeColumn:
            return ageText(q.requestedAt, m_now.isValid() ? m_now : QDateTime::currentDateTimeUtc());
        case GatesColumn:
            return q.gatesPassed ? tr("passed") : tr("FAILING");
        case ApprovalsColumn:
            return QStringLiteral("%1 / %2").arg(approvals).arg(q.requiredApprovals);
        case RequestedByColumn:
            return q.requestedBy;
        case ReasonColumn:
            return q.reason;
        default:
            return {};
        }
    case Qt::ForegroundRole:
        if (index.column() == GatesColumn)
            return QBrush(q.gatesPassed ? QColor(0x1b, 0x5e, 0x20) : QColor(0xb7, 0x1c, 0x1c));
        return {};
    case Qt::ToolTipRole:
        return tr("Request #%1 for %2 v%3, requested %4 by %5:\n%6")
            .arg(q.id)
            .arg(q.modelName)
            .arg(q.version)
            .arg(q.requestedAt, q.requestedBy, q.reason);
    default:
        return {};
    }
}

QVariant ApprovalQueueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ModelColumn:
        return tr("Model");
    case VersionColumn:
        return tr("Version");
    case AgeColumn:
        return tr("Waiting");
    case GatesColumn:
        return tr("Gates");
    case ApprovalsColumn:
        return tr("Approvals");
    case RequestedByColumn:
        return tr("Requested by");
    case ReasonColumn:
        return tr("Reason");
    default:
        return {};
    }
}

} // namespace md
