#pragma once

#include <QDialog>

class QListWidget;

namespace md {

// Lets the user pick which metrics appear as version table columns (and in which order).
class MetricChooserDialog final : public QDialog
{
    Q_OBJECT
public:
    MetricChooserDialog(const QString &modelName, const QStringList &available, const QStringList &chosen,
                        QWidget *parent = nullptr);
    QStringList chosen() const;

private:
    QListWidget *m_list;
};

} // namespace md
