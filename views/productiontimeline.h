#pragma once

#include "items/lifecycleclient.h"

#include <QWidget>

namespace md {

// Which version was in Production when: one lane per version, a band per Production period, marks
// where a version entered (promotion ▲, rollback ↺) and where it was rolled back from (✘). Hovering a
// band shows who promoted and approved it and its key metrics; clicking an eligible band picks it as
// a rollback target.
class ProductionTimeline final : public QWidget
{
    Q_OBJECT
public:
    explicit ProductionTimeline(QWidget *parent = nullptr);

    void setData(const RollbackData &data);
    void clear();
    void setSelectedVersion(int version);
    int selectedVersion() const { return m_selected; }
    void setSelectable(bool selectable) { m_selectable = selectable; }
    // Where the newest band of a version is drawn (empty when it has none): for tests and tooltips.
    QRect bandRect(int version) const;
    QString tooltipFor(int version) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void versionClicked(int version);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Band
    {
        int period = 0; // index into m_data.history
        QRect rect;
    };
    void layoutBands();
    int lane(int version) const;
    int xFor(const QDateTime &t) const;
    const Band *bandAt(const QPoint &pos) const;

    RollbackData m_data;
    QList<int> m_lanes; // versions, newest first
    QList<Band> m_bands;
    QDateTime m_start;
    QDateTime m_end;
    int m_selected = 0;
    bool m_selectable = false;
    QString m_emptyText;
};

} // namespace md
