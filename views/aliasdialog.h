#pragma once

#include <QDialog>

class QCheckBox;
class QLineEdit;
class QPushButton;

namespace md {

// Set Alias…: a name, pinned to the selected version or following Production, protected or not.
class AliasDialog final : public QDialog
{
    Q_OBJECT
public:
    AliasDialog(const QString &model, int version, bool versionInProduction, QWidget *parent = nullptr);

    QString alias() const;
    bool followsProduction() const;
    bool isProtected() const;
    QLineEdit *nameEdit() const { return m_name; }
    QCheckBox *followsBox() const { return m_follows; }
    QCheckBox *protectedBox() const { return m_protected; }
    QPushButton *okButton() const { return m_ok; }

private:
    QLineEdit *m_name;
    QCheckBox *m_follows;
    QCheckBox *m_protected;
    QPushButton *m_ok;
};

} // namespace md
