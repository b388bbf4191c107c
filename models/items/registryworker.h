#pragma once

#include "registry/registry.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace md {

class ChangeListener;
class RegistryClient;

// Lives on the RegistryClient's worker thread and owns that thread's registry connection.
class RegistryWorker final : public QObject
{
    Q_OBJECT
public:
    explicit RegistryWorker(RegistryClient *client);
    ~RegistryWorker() override;

    void runJob(const std::function<void(Registry *)> &job);
    void setRegistry(std::unique_ptr<Registry> registry, const QString &url, const QString &readUrl = {});
    void setWatchInterval(int milliseconds);

private:
    void poll();
    QVariant changeToken();
    // PostgreSQL: LISTEN on a dedicated connection of this thread, so other clients' commits arrive at
    // once; polling stays for SQLite and to notice a lost connection.
    void startListening();
    void onNotification();
    // With a read replica: how far behind it is (RegistryClient::replicaLag); re-attaches one that went away.
    void checkReplica();
    // Opens the registry at m_url with its replica at m_readUrl.
    Result<std::unique_ptr<Registry>> reopen();

    RegistryClient *m_client; // only for queued calls back to the GUI thread
    std::unique_ptr<Registry> m_registry;
    QString m_url;
    QString m_readUrl;
    bool m_replicaDown = false;
    QTimer *m_timer = nullptr;
    std::unique_ptr<ChangeListener> m_listener;
    QVariant m_lastToken;
    bool m_lost = false;
};

} // namespace md
