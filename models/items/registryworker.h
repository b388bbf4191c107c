#pragma once

#include "registry.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace md {

class RegistryClient;

// Lives on the RegistryClient's worker thread and owns that thread's registry connection.
class RegistryWorker final : public QObject
{
    Q_OBJECT
public:
    explicit RegistryWorker(RegistryClient *client);
    ~RegistryWorker() override;

    void runJob(const std::function<void(Registry *)> &job);
    void setRegistry(std::unique_ptr<Registry> registry, const QString &url);
    void setWatchInterval(int milliseconds);

private:
    void poll();
    QVariant changeToken();

    RegistryClient *m_client; // only for queued calls back to the GUI thread
    std::unique_ptr<Registry> m_registry;
    QString m_url;
    QTimer *m_timer = nullptr;
    QVariant m_lastToken;
    bool m_lost = false;
};

} // namespace md
