#pragma once

#include "registry/registry.h"
#include "rows.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>

namespace md {

class RegistryWorker;

// The GUI's handle on a registry. All database work runs on one worker thread that owns its own
// connection (a QSqlDatabase belongs to the thread that opened it); results come back to the GUI
// thread as queued calls and are dropped when their receiver is gone.
//
// Threading contract: construct, call and destroy a RegistryClient on the GUI thread. `work` functions
// passed to run() execute on the worker thread and must only touch the Registry they are given.
class RegistryClient final : public QObject
{
    Q_OBJECT
public:
    explicit RegistryClient(QObject *parent = nullptr);
    ~RegistryClient() override;

    // Opens a registry (closing the current one). CreateIfMissing is for the embedded default registry. `readUrl`:
    // a PostgreSQL read replica for the browsing reads (Registry::attachReplica); writes stay on `url`.
    void open(const QString &url, Registry::Open mode, const QString &readUrl = {});
    // The URL last passed to open() (what the desktop app keys per-registry settings on).
    QString url() const { return m_url; }
    bool isOpen() const { return m_open; }
    const SessionInfo &session() const { return m_session; }

    // Checks a URL without changing the open registry: done(true, "Connected to ...") or
    // done(false, what is wrong: host, authentication, not a registry, newer schema).
    void test(const QString &url, QObject *receiver, std::function<void(bool ok, QString message)> done);

    // Runs work(registry) on the worker thread, then done(result) on the GUI thread if receiver still
    // exists. When no registry is open, work gets nullptr.
    template <typename R> void run(QObject *receiver, std::function<R(Registry *)> work, std::function<void(R)> done)
    {
        QPointer<QObject> guard(receiver);
        QPointer<RegistryClient> self(this);
        post([work = std::move(work), done = std::move(done), guard, self](Registry *registry) {
            auto result = std::make_shared<R>(work(registry));
            if (self)
                QMetaObject::invokeMethod(
                    self.data(),
                    [done, guard, result]() {
                        if (guard)
                            done(std::move(*result));
                    },
                    Qt::QueuedConnection);
        });
    }

    // Live updates: polls the registry for changes by other clients (SQLite PRAGMA data_version,
    // PostgreSQL the newest audit entry) and checks the connection.
    void setWatchInterval(int milliseconds);

signals:
    void opened(const md::SessionInfo &session);
    void openFailed(const md::Error &error);
    void registryChanged();
    void connectionLost(const QString &message);
    void connectionRestored();
    // With a read replica, after every poll: seconds it is behind (0: caught up), or -1 when it cannot be reached
    // (reads then go to the primary until it is back).
    void replicaLag(double seconds, const QString &message);

private:
    friend class RegistryWorker;
    QString m_url;
    void post(std::function<void(Registry *)> job);
    void postToWorker(std::function<void(RegistryWorker &)> job);

    QThread m_thread;
    RegistryWorker *m_worker = nullptr;
    SessionInfo m_session;
    bool m_open = false;
    quint64 m_openGeneration = 0;
};

} // namespace md
