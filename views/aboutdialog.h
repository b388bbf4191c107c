#pragma once

#include "items/rows.h"

#include <QDialog>

class QLabel;

namespace md {

class RegistryClient;

// Help → About ModelDesk: the program's version, the registry open and its schema, the versions of the libraries and
// servers it runs on, and their licences. The database's own version is read from the open registry (one statement).
class AboutDialog final : public QDialog
{
    Q_OBJECT
public:
    AboutDialog(RegistryClient *client, QWidget *parent = nullptr);
    QString text() const;

signals:
    void loaded();

private:
    void present(const QString &databaseVersion);

    RegistryClient *m_client;
    QLabel *m_text;
};

} // namespace md
