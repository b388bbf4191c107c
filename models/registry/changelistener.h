#pragma once

// Live updates from other clients. PostgreSQL: LISTEN on a dedicated connection of the calling thread
// (a statement trigger on audit_log notifies 'modeldesk_changes' at every commit); changed() is emitted
// from that thread's event loop. SQLite has no notifications across processes: nothing is started and
// callers poll Registry::changeToken().

#include "registry.h"

#include <QObject>

#include <memory>

namespace md {

class ChangeListener final : public QObject
{
    Q_OBJECT
public:
    // nullptr on SQLite, or when the listening connection could not be opened (polling still works).
    // channel: "modeldesk_changes" (every commit that writes the audit log) or "modeldesk_events" (every commit that
    // writes the change feed, 007_feed.sql).
    static std::unique_ptr<ChangeListener> start(const Registry &registry,
                                                 const QString &channel = QStringLiteral("modeldesk_changes"));
    // Whether the listening connection still answers (nothing signals a dropped one).
    bool isAlive();
    ~ChangeListener() override;

signals:
    void changed();

private:
    explicit ChangeListener(std::unique_ptr<Database> db);
    std::unique_ptr<Database> m_db;
};

} // namespace md
