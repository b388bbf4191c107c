// Registry > Webhooks…, driven through its real widgets: an admin adds a webhook with a generated secret, tests it
// against a receiver on 127.0.0.1, sees its deliveries after `webhook deliver`, and the status bar names a webhook
// the receiver disabled (410). A refused add keeps what was typed and says why. Both dialects.

#include "httpreceiver.h"
#include "items/registryclient.h"
#include "registry/deliverer.h"
#include "testdb.h"
#include "views/mainwindow.h"
#include "views/webhooksdialog.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QTest>

using namespace md;
using namespace md::test;

namespace {

class WebhooksUi : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        admin = db->openAs(QStringLiteral("ui_admin"), QStringLiteral("admin"));
        ASSERT_TRUE(admin);
        ASSERT_TRUE(admin->registerVersion(sampleSpec(QStringLiteral("churn"))));
        window = std::make_unique<MainWindow>();
        window->resize(1024, 640);
        window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy opened(window.get(), &MainWindow::registryOpened);
        window->openRegistry(db->urlFor(QStringLiteral("ui_admin")));
        ASSERT_TRUE(opened.wait(15000));
    }
    void TearDown() override
    {
        window.reset();
        admin.reset();
        BothDialects::TearDown();
    }
    WebhooksDialog *openDialog()
    {
        QAction *action = window->menuBar()->findChild<QAction *>(QStringLiteral("webhooksAction"));
        EXPECT_TRUE(action);
        if (!action)
            return nullptr;
        action->trigger();
        auto *dialog = window->findChild<WebhooksDialog *>(QStringLiteral("webhooksDialog"));
        EXPECT_TRUE(dialog && dialog->isVisible());
        return dialog;
    }
    static QString text(QWidget *parent, const char *name)
    {
        auto *label = parent->findChild<QLabel *>(QLatin1String(name));
        return label ? label->text() : QStringLiteral("<no %1>").arg(QLatin1String(name));
    }
    HttpReceiver receiver;
    std::unique_ptr<Registry> admin;
    std::unique_ptr<MainWindow> window;
};

TEST_P(WebhooksUi, AnAdminAddsTestsAndWatchesAWebhookAndTheStatusBarNamesAFailingOne)
{
    WebhooksDialog *dialog = openDialog();
    ASSERT_TRUE(dialog);
    ASSERT_TRUE(waitFor([&] { return text(dialog, "webhookStatus").contains(QLatin1String("No webhooks yet")); }))
        << text(dialog, "webhookStatus").toStdString();
    // The geometry fits the 1024x640 window it opened from.
    EXPECT_LE(dialog->width(), 1024);
    EXPECT_LE(dialog->height(), 640);

    // Add: a bad event type is refused in the form, which keeps the URL typed.
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("addWebhookButton")), Qt::LeftButton);
    auto *form = dialog->findChild<QDialog *>(QStringLiteral("addWebhookDialog"));
    ASSERT_TRUE(form && form->isVisible());
    // Only the chosen source of the secret is editable.
    auto *secretFile = form->findChild<QLineEdit *>(QStringLiteral("secretFile"));
    EXPECT_FALSE(secretFile->isEnabled());
    form->findChild<QRadioButton *>(QStringLiteral("secretFromFile"))->click();
    EXPECT_TRUE(secretFile->isEnabled());
    EXPECT_FALSE(form->findChild<QLineEdit *>(QStringLiteral("generatedSecret"))->isEnabled());
    form->findChild<QRadioButton *>(QStringLiteral("generateSecret"))->click();
    auto *url = form->findChild<QLineEdit *>(QStringLiteral("webhookUrl"));
    auto *events = form->findChild<QLineEdit *>(QStringLiteral("webhookEvents"));
    QTest::keyClicks(url, receiver.url());
    events->clear();
    QTest::keyClicks(events, QStringLiteral("tag.set,version.promotd"));
    auto *ok = form->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QTest::mouseClick(ok, Qt::LeftButton);
    EXPECT_TRUE(text(form, "addWebhookError").contains(QLatin1String("'version.promotd' is not an event type")));
    EXPECT_TRUE(form->isVisible());
    EXPECT_EQ(url->text(), receiver.url());
    EXPECT_TRUE(admin->webhooks()->isEmpty());
    events->clear();
    QTest::keyClicks(events, QStringLiteral("tag.set"));
    const QString secret = form->findChild<QLineEdit *>(QStringLiteral("generatedSecret"))->text();
    ASSERT_TRUE(secret.startsWith(QLatin1String("whsec_")));
    QTest::mouseClick(ok, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return !admin->webhooks()->isEmpty(); }));
    auto hooks = admin->webhooks();
    ASSERT_EQ(hooks->size(), 1);
    EXPECT_EQ(hooks->first().url, receiver.url());
    EXPECT_EQ(hooks->first().events, QStringList{QStringLiteral("tag.set")});
    EXPECT_EQ(hooks->first().createdBy, db->backend() == Backend::Postgres ? QStringLiteral("ui_admin") : osUserName());
    QString problem;
    const QByteArray key = webhookSecretFromFile(secret.toLatin1(), &problem);
    EXPECT_EQ(admin->webhookSecret(hooks->first().id).value(), key); // the secret shown is the one stored
    auto *table = dialog->findChild<QTableWidget *>(QStringLiteral("webhookTable"));
    ASSERT_TRUE(waitFor([&] { return table->rowCount() == 1; }));
    EXPECT_EQ(table->item(0, 1)->text(), receiver.url());
    EXPECT_EQ(table->item(0, 4)->text(), QStringLiteral("active"));

    // Test: a signed ping reaches the receiver, and the dialog says what it answered.
    table->selectRow(0);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("testWebhookButton")), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return text(dialog, "webhookStatus").contains(QLatin1String("answered HTTP 200")); }))
        << text(dialog, "webhookStatus").toStdString();
    ASSERT_EQ(receiver.requests().size(), 1);
    EXPECT_EQ(QJsonDocument::fromJson(receiver.requests()[0].body).object().value(QLatin1String("type")).toString(),
              QStringLiteral("webhook.test"));
    EXPECT_EQ(verifySignaturesIndependently(receiver.requests(), key), QString());

    // Two changes delivered, then the receiver answers 410: the dialog and the status bar show it.
    receiver.clear();
    receiver.setResponder([](const ReceivedRequest &, int n) {
        return n == 0 ? ScriptedResponse{} : ScriptedResponse{410, {}, "gone"};
    });
    ASSERT_TRUE(admin->setVersionTags(QStringLiteral("churn"), 1, {{QStringLiteral("a"), QStringLiteral("1")}}, {}));
    ASSERT_TRUE(admin->setVersionTags(QStringLiteral("churn"), 1, {{QStringLiteral("b"), QStringLiteral("2")}}, {}));
    DelivererOptions options;
    options.mode = DelivererOptions::Mode::Drain;
    options.maxRunSeconds = 30;
    WebhookDeliverer deliverer(*admin, options);
    auto stats = deliverer.run();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->delivered, 1);
    EXPECT_EQ(stats->disabled, 1);
    dialog->reload();
    ASSERT_TRUE(waitFor([&] { return table->item(0, 4) && table->item(0, 4)->text() == QLatin1String("disabled"); }));
    EXPECT_TRUE(table->item(0, 4)->toolTip().contains(QLatin1String("410 Gone")));
    auto *deliveries = dialog->findChild<QTableWidget *>(QStringLiteral("deliveryTable"));
    table->clearSelection();
    table->selectRow(0);
    ASSERT_TRUE(waitFor([&] { return deliveries->rowCount() == 2; }));
    EXPECT_EQ(deliveries->item(0, 4)->text(), QStringLiteral("pending")); // newest first
    EXPECT_EQ(deliveries->item(0, 6)->text(), QStringLiteral("HTTP 410"));
    EXPECT_EQ(deliveries->item(1, 4)->text(), QStringLiteral("delivered"));
    dialog->accept();
    ASSERT_TRUE(waitFor([&] { return window->webhookStatusLabel()->isVisible(); }));
    EXPECT_EQ(window->webhookStatusLabel()->text(), QStringLiteral("Webhooks: 1 webhook disabled"));

    // Enable from the dialog: the label goes once nothing fails.
    dialog = openDialog();
    ASSERT_TRUE(dialog);
    table = dialog->findChild<QTableWidget *>(QStringLiteral("webhookTable"));
    ASSERT_TRUE(waitFor([&] { return table->rowCount() == 1; }));
    table->selectRow(0);
    auto *toggle = dialog->findChild<QPushButton *>(QStringLiteral("toggleWebhookButton"));
    ASSERT_TRUE(waitFor([&] { return toggle->text() == QLatin1String("&Enable"); }));
    QTest::mouseClick(toggle, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return admin->webhook(hooks->first().id)->active; }));
    dialog->accept();
    ASSERT_TRUE(waitFor([&] { return !window->webhookStatusLabel()->isVisible(); }));
}

TEST_P(WebhooksUi, ANonAdminIsToldWhoManagesWebhooks)
{
    if (db->backend() == Backend::Sqlite) {
        // No roles on SQLite (README): everyone may manage them, and the dialog opens on an empty list.
        WebhooksDialog *dialog = openDialog();
        ASSERT_TRUE(dialog);
        EXPECT_TRUE(waitFor([&] { return text(dialog, "webhookStatus").contains(QLatin1String("No webhooks yet")); }));
        return;
    }
    ASSERT_TRUE(db->openAs(QStringLiteral("ui_sci"), QStringLiteral("scientist")));
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(db->urlFor(QStringLiteral("ui_sci")));
    ASSERT_TRUE(opened.wait(15000));
    WebhooksDialog *dialog = openDialog();
    ASSERT_TRUE(dialog);
    ASSERT_TRUE(waitFor([&] {
        return text(dialog, "webhookStatus")
            .startsWith(QLatin1String("Only registry admins add, test or remove webhooks; you are ui_sci (reader, "
                                      "scientist)"));
    })) << text(dialog, "webhookStatus").toStdString()
        << " / session " << window->client()->session().user.toStdString() << ": "
        << window->client()->session().role.toStdString();
    EXPECT_FALSE(dialog->findChild<QPushButton *>(QStringLiteral("addWebhookButton"))->isEnabled());
    // What the dialog would have done is refused by the database anyway.
    EXPECT_TRUE(refusedAs(db->openAs(QStringLiteral("ui_sci"), {})
                              ->addWebhook({receiver.url(), {QStringLiteral("*")}, {}, QByteArray(32, 'k')}),
                          Error::Kind::Permission, QStringLiteral("permission denied")));
}

MD_INSTANTIATE_BOTH(WebhooksUi);

} // namespace
