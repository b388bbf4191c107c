// File > Import from MLflow…, driven through its real widgets: Preview shows the plan and writes nothing; Import
// writes it with the progress bar filling and the main window's model tree showing the new models; Cancel during an
// import of many models leaves whole models only. Both dialects.

#include "mlflowfixture.h"
#include "testdb.h"
#include "views/importdialog.h"
#include "views/mainwindow.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QTableWidget>
#include <QTest>

using namespace md;
using namespace md::test;

namespace {

class ImportUi : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        mlflowPath = db->tempPath(QStringLiteral("mlflow.db"));
        ASSERT_EQ(createMlflowFixtureFile(QStringLiteral("ui-mlflow"), mlflowPath, 100, 5, 5), QString());
        QSqlDatabase::removeDatabase(QStringLiteral("ui-mlflow"));
        registry.reset();
        window = std::make_unique<MainWindow>();
        window->resize(1024, 640);
        window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy opened(window.get(), &MainWindow::registryOpened);
        window->openRegistry(db->url());
        ASSERT_TRUE(opened.wait(15000));
    }
    void TearDown() override
    {
        window.reset();
        BothDialects::TearDown();
    }
    ImportDialog *openDialog()
    {
        QAction *action = window->menuBar()->findChild<QAction *>(QStringLiteral("importMlflowAction"));
        EXPECT_TRUE(action);
        if (!action)
            return nullptr;
        action->trigger();
        auto *dialog = window->findChild<ImportDialog *>(QStringLiteral("importDialog"));
        EXPECT_TRUE(dialog);
        if (dialog) {
            EXPECT_TRUE(QTest::qWaitForWindowExposed(dialog));
        }
        return dialog;
    }
    int models() { return db->rawScalar(QStringLiteral("SELECT count(*) FROM registered_models")).toInt(); }

    QString mlflowPath;
    std::unique_ptr<MainWindow> window;
};

MD_INSTANTIATE_BOTH(ImportUi);

TEST_P(ImportUi, PreviewShowsThePlanAndImportWritesIt)
{
    ImportDialog *dialog = openDialog();
    ASSERT_TRUE(dialog);
    // No progress bar before anything ran ("0 / 1 versions" would mean nothing).
    EXPECT_FALSE(dialog->progressBar()->isVisible());
    // Nothing typed: the dialog says what it needs.
    QTest::mouseClick(dialog->previewButton(), Qt::LeftButton);
    EXPECT_TRUE(dialog->statusLabel()->text().contains(QLatin1String("Give the MLflow source")));
    QTest::keyClicks(dialog->sourceField(), QStringLiteral("sqlite:///") + mlflowPath);
    QTest::keyClicks(dialog->modelsField(), QStringLiteral("*r*"));
    QTest::mouseClick(dialog->previewButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return !dialog->running() && dialog->planTable()->rowCount() > 0; }, 30000));
    // "*r*": Fraud Detector, ranker and support-prompt (not the bulk models).
    ASSERT_EQ(dialog->planTable()->rowCount(), 3);
    EXPECT_EQ(dialog->planTable()->item(0, 0)->text(), QStringLiteral("Fraud Detector"));
    EXPECT_EQ(dialog->planTable()->item(0, 1)->text(), QStringLiteral("fraud-detector"));
    EXPECT_EQ(dialog->planTable()->item(0, 2)->text(), QStringLiteral("4"));
    EXPECT_TRUE(dialog->planTable()->item(0, 5)->toolTip().contains(QLatin1String("soft-deleted")));
    EXPECT_EQ(dialog->planTable()->item(0, 6)->text(), QStringLiteral("Would be imported"));
    EXPECT_TRUE(dialog->statusLabel()->text().contains(QLatin1String("Preview (nothing written): 5 new version(s)")))
        << dialog->statusLabel()->text().toStdString();
    EXPECT_EQ(models(), 0);
    // Import: written, the table says so, the progress bar is full.
    QSignalSpy imported(dialog, &ImportDialog::imported);
    QTest::mouseClick(dialog->importButton(), Qt::LeftButton);
    ASSERT_TRUE(imported.wait(30000));
    EXPECT_EQ(dialog->planTable()->item(0, 6)->text(), QStringLiteral("Imported"));
    EXPECT_TRUE(dialog->progressBar()->isVisible());
    EXPECT_EQ(dialog->progressBar()->value(), dialog->progressBar()->maximum());
    EXPECT_EQ(models(), 2);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT stage FROM model_versions v JOIN registered_models m ON m.id = "
                                           "v.model_id WHERE m.name = 'fraud-detector' AND v.version = 2"))
                  .toString(),
              QStringLiteral("Production"));
    // Again: up to date.
    QTest::mouseClick(dialog->importButton(), Qt::LeftButton);
    ASSERT_TRUE(imported.wait(30000));
    EXPECT_EQ(dialog->planTable()->item(0, 6)->text(), QStringLiteral("Up to date"));
    EXPECT_EQ(models(), 2);
}

TEST_P(ImportUi, CancelLeavesWholeModelsOnly)
{
    ImportDialog *dialog = openDialog();
    ASSERT_TRUE(dialog);
    QTest::keyClicks(dialog->sourceField(), QStringLiteral("sqlite:///") + mlflowPath);
    QTest::keyClicks(dialog->modelsField(), QStringLiteral("bulk-*"));
    QSignalSpy imported(dialog, &ImportDialog::imported);
    // Cancel as soon as the progress bar shows the first model in (the click is handled at once, on the GUI thread).
    bool clicked = false;
    QObject::connect(dialog->progressBar(), &QProgressBar::valueChanged, dialog, [&](int value) {
        if (value >= 5 && !clicked) {
            clicked = true;
            QTest::mouseClick(dialog->cancelButton(), Qt::LeftButton);
        }
    });
    QTest::mouseClick(dialog->importButton(), Qt::LeftButton);
    EXPECT_TRUE(dialog->cancelButton()->isEnabled());
    EXPECT_FALSE(dialog->importButton()->isEnabled());
    ASSERT_TRUE(imported.wait(60000));
    EXPECT_TRUE(clicked);
    const int imported_models = models();
    EXPECT_GT(imported_models, 0);
    EXPECT_LT(imported_models, 100) << "the import ran to the end: nothing was cancelled";
    EXPECT_TRUE(dialog->statusLabel()->text().contains(QLatin1String("Cancelled")))
        << dialog->statusLabel()->text().toStdString();
    // Whole models: each imported one has all five versions.
    EXPECT_EQ(db->rawRows(QStringLiteral("SELECT count(*) FROM model_versions GROUP BY model_id HAVING count(*) <> 5")),
              QStringList());
}

} // namespace
