#pragma once

#include <QDialog>

#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;

namespace md {

// Asks for a PostgreSQL URL. The Test button calls `tester`, which answers asynchronously.
class ConnectDialog final : public QDialog
{
    Q_OBJECT
public:
    using Tester = std::function<void(const QString &url, std::function<void(bool ok, QString message)> done)>;
    ConnectDialog(Tester tester, const QString &initialUrl, QWidget *parent = nullptr,
                  const QString &initialReadUrl = {});
    QString url() const;
    // The optional read replica (a hot standby's URL); empty: none.
    QString readUrl() const;

    // Connect: the dialog stays open, with what was typed and the reason, until the connection test succeeds.
    void accept() override;

private:
    void test();
    void runTest(bool thenAccept);

    Tester m_tester;
    QLineEdit *m_url;
    QLineEdit *m_readUrl;
    QPushButton *m_testButton;
    QPushButton *m_connectButton = nullptr;
    QLabel *m_status;
};

} // namespace md
