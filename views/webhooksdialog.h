#pragma once

// Registry > Webhooks…: the registry's webhooks with their last deliveries and failures; add (with a generated
// or a file's secret), test, enable/disable, remove, redeliver. Admins only on PostgreSQL (the database refuses
// anyone else; the dialog says so). Deliveries are made by `modelctl webhook deliver --follow`, not by the app.

#include "registry/registry.h"

#include <functional>

#include <QDialog>

class QLabel;
class QPushButton;
class QTableWidget;

namespace md {

class RegistryClient;

class WebhooksDialog final : public QDialog
{
    Q_OBJECT
public:
    WebhooksDialog(RegistryClient *client, QWidget *parent = nullptr);

    void reload();
    // The form that adds a webhook; returns false when cancelled.
    void addWebhook();

signals:
    void changed(); // a webhook was added, removed, enabled or disabled

private:
    void showWebhooks(const QList<Webhook> &list);
    void showDeliveries(const QList<WebhookDelivery> &list);
    void loadDeliveries();
    qint64 selectedWebhook() const;
    qint64 selectedDelivery() const;
    void act(const QString &what, std::function<Status(Registry *)> work);
    void testSelected();
    void updateButtons();
    bool mayManage() const;

    RegistryClient *m_client;
    QTableWidget *m_hooks;
    QTableWidget *m_deliveries;
    QLabel *m_status;
    QPushButton *m_add;
    QPushButton *m_test;
    QPushButton *m_toggle;
    QPushButton *m_remove;
    QPushButton *m_redeliver;
    QList<Webhook> m_list;
    QList<WebhookDelivery> m_shownDeliveries;
};

// The status bar's summary of failing webhooks ("" when none): disabled ones and failed deliveries.
QString webhookTrouble(const QList<Webhook> &list);

} // namespace md
