#include "actionreport.h"

#include "reportfile.h"

#include "items/registryclient.h"
#include "items/searchresultsmodel.h"
#include "items/versiondetailsmodel.h"
#include "items/versiontablemodel.h"
#include "views/approvaldialog.h"
#include "views/filterlineedit.h"
#include "views/lifecycleui.h"
#include "views/mainwindow.h"
#include "views/modeltreepanel.h"
#include "views/rollbackdialog.h"
#include "views/searchpanel.h"
#include "views/versiontableview.h"

#include <QApplication>

namespace {

const char *phaseName(int phase)
{
    static const char *names[] = {"open",   "select_model", "select_version", "approval_dialog", "rollback_dialog",
                                  "search", "done"};
    return names[phase];
}

struct Fence
{
    quint64 after = 0; // statements run so far, this job's own included
    qint64 pendingRequest = 0;
};

} // namespace

ActionReport::ActionReport(md::MainWindow *window, QString file, QString model, QString search)
    : QObject(window), m_window(window), m_file(std::move(file)), m_model(std::move(model)), m_search(std::move(search))
{
    // Every millisecond: the figures are end to end to within one.
    m_timer.setInterval(1);
    connect(&m_timer, &QTimer::timeout, this, &ActionReport::poll);
    connect(window->searchModel(), &md::SearchResultsModel::searchFinished, this, [this]() { m_searchDone = true; });
    connect(window, &md::MainWindow::registryOpened, this,
            [this]() { m_window->client()->setWatchInterval(24 * 3600 * 1000); });
    m_clock.start();
    m_action.start(); // the registry opens right after this is made
    m_timer.start();
}

void ActionReport::poll()
{
    if (m_clock.elapsed() > 10 * 60 * 1000) {
        fail(QStringLiteral("gave up after 10 minutes"));
        return;
    }
    if (m_settling || m_phase == Phase::Done)
        return;
    if (m_action.elapsed() > 120 * 1000) {
        fail(QStringLiteral("%1 did not finish in 2 minutes").arg(QLatin1String(phaseName(int(m_phase)))));
        return;
    }
    if (m_phase == Phase::Open && m_window->treePanel()->state() == md::ModelTreePanel::State::LoadFailed) {
        fail(QStringLiteral("the registry did not open"));
        return;
    }
    if (reached())
        settle();
}

bool ActionReport::reached()
{
    switch (m_phase) {
    case Phase::Open:
        return m_window->treePanel()->state() == md::ModelTreePanel::State::Loaded;
    case Phase::SelectModel: {
        md::VersionTableModel *versions = m_window->versionModel();
        return versions->modelName() == m_model && !versions->isLoading() && versions->cachedRowCount() > 0;
    }
    case Phase::SelectVersion: {
        md::VersionDetailsModel *details = m_window->detailsModel();
        return details->hasVersion() && details->modelName() == m_model && details->version() == m_targetVersion &&
               m_window->lifecycle()->versionStateLoaded();
    }
    case Phase::Approval:
        if (auto *d = qobject_cast<md::ApprovalDialog *>(QApplication::activeModalWidget()))
            return d->isLoaded();
        return false;
    case Phase::Rollback:
        if (auto *d = qobject_cast<md::RollbackDialog *>(QApplication::activeModalWidget()))
            return d->isLoaded();
        return false;
    case Phase::Search:
        return m_searchDone;
    case Phase::Done:
        return false;
    }
    return false;
}

void ActionReport::begin(Phase phase)
{
    m_phase = phase;
    m_settling = false;
    m_action.start();
    switch (phase) {
    case Phase::Open:
        break;
    case Phase::SelectModel:
        m_window->openVersion(m_model, -1);
        break;
    case Phase::SelectVersion: {
        // Another version than the one opening the model selected.
        md::VersionTableModel *versions = m_window->versionModel();
        const int row = versions->rowCount() > 1 ? 1 : 0;
        m_targetVersion = versions->index(row, 0).data().toInt();
        m_window->versionView()->selectVersion(row);
        break;
    }
    case Phase::Approval:
        if (m_requestId <= 0) {
            fail(QStringLiteral("the registry has no pending promotion request to open"));
            return;
        }
        // Queued: the dialog is modal; this report goes on polling inside its event loop.
        QTimer::singleShot(0, m_window, [w = m_window, id = m_requestId]() { w->lifecycle()->reviewRequest(id); });
        break;
    case Phase::Rollback:
        QTimer::singleShot(0, m_window, [w = m_window, model = m_model]() { w->lifecycle()->rollBack(model); });
        break;
    case Phase::Search:
        m_searchDone = false;
        m_window->showSearch(true);
        m_window->searchPanel()->editor()->setText(m_search);
        emit m_window->searchPanel()->searchRequested(m_search);
        break;
    case Phase::Done:
        finish();
        break;
    }
}

void ActionReport::settle()
{
    m_settling = true;
    m_actionMs = m_action.nsecsElapsed() / 1e6;
    fence(0, 0);
}

void ActionReport::fence(quint64 previous, int round)
{
    // Fences on the worker (it runs jobs in order): when two in a row find the same count, the action's follow-up
    // loads are done too.
    m_window->client()->run<quint64>(
        this, [](md::Registry *registry) { return registry ? registry->statementCount() : quint64(0); },
        [this, previous, round](quint64 count) {
            if ((count != previous || round == 0) && round < 50) {
                QTimer::singleShot(5, this, [this, count, round]() { fence(count, round + 1); });
                return;
            }
            m_lines += QStringLiteral("%1_ms %2\n%1_statements %3\n")
                           .arg(QLatin1String(phaseName(int(m_phase))))
                           .arg(m_actionMs, 0, 'f', 1)
                           .arg(count - m_statementsBefore)
                           .toUtf8();
            m_statementsBefore = count;
            if (m_phase != Phase::SelectVersion) {
                next();
                return;
            }
            // The request the next action opens, read outside the measured actions.
            m_window->client()->run<Fence>(
                this,
                [](md::Registry *registry) {
                    Fence f;
                    if (!registry)
                        return f;
                    if (auto pending = registry->requests(true); pending && !pending->isEmpty())
                        f.pendingRequest = pending->first().id;
                    f.after = registry->statementCount();
                    return f;
                },
                [this](Fence f) {
                    m_requestId = f.pendingRequest;
                    m_statementsBefore = f.after;
                    next();
                });
        });
}

void ActionReport::next()
{
    if (auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget())) {
        dialog->reject();
        // Once the dialog's event loop has returned.
        QTimer::singleShot(0, this, [this]() { begin(Phase(int(m_phase) + 1)); });
        return;
    }
    begin(Phase(int(m_phase) + 1));
}

void ActionReport::finish()
{
    m_timer.stop();
    finishReport("--action-report", m_file, m_lines);
}

void ActionReport::fail(const QString &why)
{
    m_timer.stop();
    m_phase = Phase::Done;
    if (auto *d = qobject_cast<QDialog *>(QApplication::activeModalWidget()))
        d->reject();
    // Once the dialog's event loop has returned.
    QTimer::singleShot(0, qApp, [why]() { failReport("--action-report", why); });
}
