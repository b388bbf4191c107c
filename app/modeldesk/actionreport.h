#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

namespace md {
class MainWindow;
}

// --action-report FILE: the GUI actions of the performance table, one after another, each measured end to end
// (from the click to what the user waits for being on screen) with the statements it cost (every statement the
// worker's connections ran for it, counted once the worker has gone quiet after it):
//   open              opening the registry until the model tree is loaded
//   select_model      the model until its version table has loaded (and its Production dock)
//   select_version    another version until its details and its actions' state have loaded
//   approval_dialog   the first pending promotion request until the approval dialog has loaded
//   rollback_dialog   the model's rollback dialog until it has loaded
//   search            the search until its first page of results has arrived
// Writes "ACTION_ms N" and "ACTION_statements N" lines to FILE and quits. Live updates (the change poll) are
// paused during the report, so that they do not count.
class ActionReport final : public QObject
{
public:
    ActionReport(md::MainWindow *window, QString file, QString model, QString search);

private:
    enum class Phase
    {
        Open,
        SelectModel,
        SelectVersion,
        Approval,
        Rollback,
        Search,
        Done
    };

    void poll();
    bool reached();
    void begin(Phase phase);
    // The action's visible result is there: its time is taken; its statements once the worker is quiet.
    void settle();
    // Counts the statements once the worker is quiet (see settle), then goes on to the next action.
    void fence(quint64 previous, int round);
    void next();
    void finish();
    void fail(const QString &why);

    md::MainWindow *m_window;
    QString m_file;
    QString m_model;
    QString m_search;
    QTimer m_timer;
    QElapsedTimer m_clock;
    QElapsedTimer m_action;
    Phase m_phase = Phase::Open;
    bool m_settling = false;
    bool m_searchDone = false;
    int m_targetVersion = 0;
    qint64 m_requestId = 0;
    quint64 m_statementsBefore = 0;
    double m_actionMs = 0;
    QByteArray m_lines;
};
