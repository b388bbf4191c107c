#include "productiontimeline.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

namespace md {

namespace {

constexpr int kLabelWidth = 56;
constexpr int kLaneHeight = 26;
constexpr int kTop = 8;
constexpr int kAxisHeight = 26;
constexpr int kRightMargin = 16;

const QColor kCurrent(0x2e, 0x7d, 0x32);
const QColor kServed(0x90, 0xa4, 0xae);
const QColor kSuggested(0x15, 0x65, 0xc0);
const QColor kRolledBack(0xc6, 0x28, 0x28);
const QColor kRollbackMark(0xef, 0x6c, 0x00);

QString shortTime(const QString &iso)
{
    return QString(iso).replace(QLatin1Char('T'), QLatin1Char(' ')).left(16);
}

} // namespace

ProductionTimeline::ProductionTimeline(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("productionTimeline"));
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_emptyText = tr("Select a model to see its Production timeline.");
}

void ProductionTimeline::clear()
{
    m_data = {};
    m_lanes.clear();
    m_bands.clear();
    m_selected = 0;
    updateGeometry();
    update();
}

void ProductionTimeline::setData(const RollbackData &data)
{
    m_data = data;
    m_lanes.clear();
    for (const ProductionPeriod &p : m_data.history)
        if (!m_lanes.contains(p.version))
            m_lanes << p.version;
    std::sort(m_lanes.begin(), m_lanes.end(), std::greater<int>());
    m_start = {};
    m_end = QDateTime::currentDateTimeUtc();
    for (const ProductionPeriod &p : m_data.history) {
        const QDateTime from = parseTimestamp(p.from);
        if (from.isValid() && (!m_start.isValid() || from < m_start))
            m_start = from;
        const QDateTime to = parseTimestamp(p.to);
        if (to.isValid() && to > m_end)
            m_end = to;
    }
    if (m_start.isValid()) // a little air on the right for the "now" line
        m_end = m_end.addSecs(std::max<qint64>(3600, m_start.secsTo(m_end) / 40));
    m_emptyText = m_data.history.isEmpty() ? tr("%1 has never been in Production.").arg(m_data.modelName) : QString();
    if (!m_data.eligible.contains(m_selected))
        m_selected = 0;
    layoutBands();
    updateGeometry();
    update();
}

void ProductionTimeline::setSelectedVersion(int version)
{
    m_selected = version;
    update();
}

int ProductionTimeline::lane(int version) const
{
    return int(m_lanes.indexOf(version));
}

int ProductionTimeline::xFor(const QDateTime &t) const
{
    const int left = kLabelWidth + 10; // room for the entry mark of the earliest band
    const int right = width() - kRightMargin;
    const qint64 span = std::max<qint64>(1, m_start.secsTo(m_end));
    return left + int(double(m_start.secsTo(t)) / double(span) * (right - left));
}

void ProductionTimeline::layoutBands()
{
    m_bands.clear();
    if (!m_start.isValid())
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < m_data.history.size(); ++i) {
        const ProductionPeriod &p = m_data.history.at(i);
        const QDateTime from = parseTimestamp(p.from);
        const QDateTime to = p.to.isEmpty() ? now : parseTimestamp(p.to);
        const int x0 = xFor(from);
        const int x1 = std::max(x0 + 6, xFor(to));
        const int y = kTop + lane(p.version) * kLaneHeight + 3;
        m_bands << Band{i, QRect(x0, y, x1 - x0, kLaneHeight - 6)};
    }
}

QRect ProductionTimeline::bandRect(int version) const
{
    for (auto it = m_bands.crbegin(); it != m_bands.crend(); ++it)
        if (m_data.history.at(it->period).version == version)
            return it->rect;
    return {};
}

const ProductionTimeline::Band *ProductionTimeline::bandAt(const QPoint &pos) const
{
    for (const Band &b : m_bands)
        if (b.rect.adjusted(-2, -2, 2, 2).contains(pos))
            return &b;
    return nullptr;
}

QString ProductionTimeline::tooltipFor(int version) const
{
    QStringList periods;
    for (const ProductionPeriod &p : m_data.history) {
        if (p.version != version)
            continue;
        QString line = tr("<b>%1 → %2</b><br>%3 by %4")
                           .arg(shortTime(p.from), p.to.isEmpty() ? tr("now") : shortTime(p.to),
                                p.enteredKind == QLatin1String("rollback") ? tr("rolled back to") : tr("promoted"),
                                p.enteredBy.toHtmlEscaped());
        if (!p.approvers.isEmpty())
            line += tr(", approved by %1").arg(p.approvers.join(QStringLiteral(", ")).toHtmlEscaped());
        if (!p.enteredReason.isEmpty())
            line += tr("<br><i>%1</i>").arg(p.enteredReason.toHtmlEscaped());
        if (!p.leftKind.isEmpty())
            line += tr("<br>left Production (%1 by %2): <i>%3</i>")
                        .arg(p.leftKind, p.leftBy.toHtmlEscaped(), p.leftReason.toHtmlEscaped());
        periods << line;
    }
    QStringList metrics;
    const ModelVersion v = m_data.versions.value(version);
    for (const Metric &m : v.metrics)
        if (m.slice.isEmpty() && metrics.size() < 6)
            metrics << QStringLiteral("%1 = %2").arg(m.key().toHtmlEscaped(), QString::number(m.value, 'g', 4));
    QString status;
    if (version == m_data.current)
        status = tr(" — in Production now");
    else if (version == m_data.suggested)
        status = tr(" — suggested rollback target");
    else if (v.rollbackExcluded)
        status = tr(" — was rolled back from");
    return tr("<h3>v%1%2</h3>%3<br><b>Metrics:</b> %4")
        .arg(version)
        .arg(status, periods.join(QStringLiteral("<hr>")),
             metrics.isEmpty() ? tr("none") : metrics.join(QStringLiteral(", ")));
}

QSize ProductionTimeline::sizeHint() const
{
    return {640, kTop + int(std::max<qsizetype>(2, m_lanes.size())) * kLaneHeight + kAxisHeight};
}

QSize ProductionTimeline::minimumSizeHint() const
{
    return {320, kTop + 2 * kLaneHeight + kAxisHeight};
}

void ProductionTimeline::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (m_lanes.isEmpty() || !m_start.isValid()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, m_emptyText);
        return;
    }
    layoutBands();
    p.setRenderHint(QPainter::Antialiasing);
    const int axisY = kTop + int(m_lanes.size()) * kLaneHeight;
    // Lanes and their labels.
    QFont bold = font();
    bold.setBold(true);
    for (int i = 0; i < m_lanes.size(); ++i) {
        const int y = kTop + i * kLaneHeight;
        if (i % 2 == 1)
            p.fillRect(QRect(0, y, width(), kLaneHeight), palette().alternateBase());
        const int v = m_lanes.at(i);
        p.setFont(v == m_data.current || v == m_selected ? bold : font());
        p.setPen(palette().color(QPalette::Text));
        p.drawText(QRect(4, y, kLabelWidth - 8, kLaneHeight), Qt::AlignVCenter | Qt::AlignRight,
                   QStringLiteral("v%1").arg(v));
    }
    p.setFont(font());
    // Time axis: about six ticks.
    p.setPen(palette().color(QPalette::Mid));
    p.drawLine(kLabelWidth, axisY, width() - kRightMargin, axisY);
    const qint64 span = m_start.secsTo(m_end);
    const bool days = span > 3 * 86400;
    for (int t = 0; t <= 5; ++t) {
        const QDateTime at = m_start.addSecs(span * t / 5);
        const int x = xFor(at);
        p.setPen(palette().color(QPalette::Midlight));
        p.drawLine(x, kTop, x, axisY);
        p.setPen(palette().color(QPalette::Text));
        p.drawText(QRect(x - 60, axisY + 2, 120, kAxisHeight - 4), Qt::AlignHCenter | Qt::AlignTop,
                   at.toString(days ? QStringLiteral("MMM d") : QStringLiteral("MMM d hh:mm")));
    }
    const int nowX = xFor(QDateTime::currentDateTimeUtc());
    p.setPen(QPen(kCurrent, 1, Qt::DashLine));
    p.drawLine(nowX, kTop, nowX, axisY);
    // Bands and marks.
    for (const Band &b : m_bands) {
        const ProductionPeriod &period = m_data.history.at(b.period);
        const int v = period.version;
        QColor fill = kServed;
        if (period.to.isEmpty())
            fill = kCurrent;
        else if (period.leftKind == QLatin1String("rollback"))
            fill = kRolledBack.lighter(150);
        else if (v == m_data.suggested)
            fill = kSuggested.lighter(160);
        p.setPen(Qt::NoPen);
        p.setBrush(fill);
        p.drawRoundedRect(b.rect, 3, 3);
        if (v == m_selected) {
            p.setPen(QPen(kSuggested, 3));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(b.rect.adjusted(-1, -1, 1, 1), 3, 3);
        }
        // Entry mark: a triangle for a promotion (filled when approvals were recorded), a circle arrow for a
        // rollback.
        const QPoint start(b.rect.left(), b.rect.center().y());
        if (period.enteredKind == QLatin1String("rollback")) {
            p.setPen(QPen(kRollbackMark, 2));
            p.setBrush(Qt::white);
            p.drawEllipse(start, 6, 6);
            p.setFont(bold);
            p.drawText(QRect(start.x() - 6, start.y() - 8, 12, 16), Qt::AlignCenter, QStringLiteral("↺"));
            p.setFont(font());
        } else {
            QPainterPath tri;
            tri.moveTo(start.x(), start.y() - 7);
            tri.lineTo(start.x() + 6, start.y() + 5);
            tri.lineTo(start.x() - 6, start.y() + 5);
            tri.closeSubpath();
            p.setPen(QPen(QColor(0x37, 0x47, 0x4f), 1));
            p.setBrush(period.approvers.isEmpty() ? QBrush(Qt::white) : QBrush(QColor(0x37, 0x47, 0x4f)));
            p.drawPath(tri);
        }
        if (period.leftKind == QLatin1String("rollback")) {
            const QPoint end(b.rect.right(), b.rect.center().y());
            p.setPen(QPen(kRolledBack, 3));
            p.drawLine(end + QPoint(-5, -5), end + QPoint(5, 5));
            p.drawLine(end + QPoint(-5, 5), end + QPoint(5, -5));
        }
        // The version's name inside wide bands, so the picture reads without hovering.
        if (b.rect.width() > 70) {
            p.setPen(period.to.isEmpty() ? Qt::white : QColor(0x21, 0x21, 0x21));
            QString label = QStringLiteral("v%1").arg(v);
            if (period.to.isEmpty())
                label += tr(" · Production now");
            else if (v == m_data.suggested)
                label += tr(" · suggested");
            p.drawText(b.rect.adjusted(10, 0, -8, 0), Qt::AlignVCenter | Qt::AlignLeft,
                       p.fontMetrics().elidedText(label, Qt::ElideRight, b.rect.width() - 18));
        }
    }
}

void ProductionTimeline::mousePressEvent(QMouseEvent *event)
{
    if (const Band *b = bandAt(event->position().toPoint())) {
        const int v = m_data.history.at(b->period).version;
        if (m_selectable && m_data.eligible.contains(v))
            setSelectedVersion(v);
        emit versionClicked(v);
        return;
    }
    QWidget::mousePressEvent(event);
}

bool ProductionTimeline::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        if (const Band *b = bandAt(help->pos()))
            QToolTip::showText(help->globalPos(), tooltipFor(m_data.history.at(b->period).version), this, b->rect);
        else
            QToolTip::hideText();
        return true;
    }
    if (event->type() == QEvent::Resize)
        layoutBands();
    return QWidget::event(event);
}

} // namespace md
