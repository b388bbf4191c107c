#include "registryclient.h"

#include "registryworker.h"

#include "registry/changelistener.h"

namespace md {

namespace {

SessionInfo describeSession(Registry &registry, const QString &url)
{
    SessionInfo info;
    info.url = url;
    info.display = registry.locationDisplay();
    info.dialect = registry.dialect();
    info.user = registry.actor();
    info.readOnly = registry.isReadOnly();
    info.readOnlyReason = registry.readOnlyReason();
    info.guardsProblem = registry.guardsProblem();
    info.schemaVersion = registry.schemaVersion();
    info.replica = registry.replicaDisplay();
    if (registry.dialect() == Dialect::Postgres) {
        auto roles = registry.roles();
        QStringList names = roles ? *roles : QStringList();
        auto super = registry.isSuperuser();
        if (super && *super)
            names.prepend(QStringLiteral("superuser"));
        info.role = names.isEmpty() ? QStringLiteral("no ModelDesk role") : names.join(QStringLiteral(", "));
        info.mayAdminister = names.contains(QStringLiteral("admin")) || names.contains(QStringLiteral("superuser"));
    } else {
        info.role = QStringLiteral("local file (no roles)");
        info.mayAdminister = true;
    }
    return info;
}

} // namespace

// ---- worker ---------------------------------------------------------------------------------------

RegistryWorker::RegistryWorker(RegistryClient *client) : m_client(client) {}

RegistryWorker::~RegistryWorker() = default;

void RegistryWorker::runJob(const std::function<void(Registry *)> &job)
{
    job(m_lost ? nullptr : m_registry.get());
}

void RegistryWorker::setRegistry(std::unique_ptr<Registry> registry, const QString &url, const QString &readUrl)
{
    m_registry = std::move(registry);
    m_url = url;
    m_readUrl = readUrl;
    m_replicaDown = false;
    m_lost = false;
    m_lastToken = m_registry ? changeToken() : QVariant();
    startListening();
}

void RegistryWorker::startListening()
{
    m_listener.reset();
    if (!m_registry)
        return;
    m_listener = ChangeListener::start(*m_registry); // nullptr on SQLite or failure: polling still notices
    if (m_listener)
        connect(m_listener.get(), &ChangeListener::changed, this, &RegistryWorker::onNotification);
}

Result<std::unique_ptr<Registry>> RegistryWorker::reopen()
{
    auto r = Registry::open(m_url, Registry::Open::ExistingOnly);
    if (!r)
        return r.error();
    if (!m_readUrl.isEmpty()) {
        // A replica that cannot be reached does not keep the registry closed: reads go to the primary meanwhile.
        m_replicaDown = !(*r)->attachReplica(m_readUrl);
    }
    return r;
}

void RegistryWorker::checkReplica()
{
    if (m_readUrl.isEmpty() || !m_registry)
        return;
    auto emitLag = [this](double seconds, const QString &message) {
        QMetaObject::invokeMethod(
            m_client, [c = m_client, seconds, message]() { emit c->replicaLag(seconds, message); },
            Qt::QueuedConnection);
    };
    if (m_replicaDown) {
        if (!m_registry->attachReplica(m_readUrl))
            return emitLag(-1, tr("The read replica cannot be reached: reading from the primary."));
        m_replicaDown = false;
    }
    auto lag = m_registry->replicaLagSeconds();
    if (!lag) {
        m_registry->detachReplica();
        m_replicaDown = true;
        return emitLag(
            -1, tr("The read replica cannot be reached (%1): reading from the primary.").arg(lag.error().message));
    }
    emitLag(*lag, {});
}

void RegistryWorker::onNotification()
{
    if (!m_registry || m_lost)
        return;
    // The notification comes from the primary: reads wait until the replica has the change (or go to the primary).
    if (m_registry->hasReplica())
        if (auto position = m_registry->primaryPosition(); position)
            m_registry->readAfter(*position);
    m_lastToken = changeToken();
    QMetaObject::invokeMethod(
        m_client, [c = m_client]() { emit c->registryChanged(); }, Qt::QueuedConnection);
}

void RegistryWorker::setWatchInterval(int milliseconds)
{
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, &RegistryWorker::poll);
    }
    if (milliseconds <= 0)
        m_timer->stop();
    else
        m_timer->start(milliseconds);
}

QVariant RegistryWorker::changeToken()
{
    return m_registry->changeToken();
}

void RegistryWorker::poll()
{
    if (!m_registry && m_url.isEmpty())
        return;
    if (m_lost || !m_registry) {
        auto reopened = reopen();
        if (!reopened)
            return;
        m_registry = std::move(*reopened);
        m_lost = false;
        m_lastToken = changeToken();
        startListening();
        QMetaObject::invokeMethod(
            m_client, [c = m_client]() { emit c->connectionRestored(); }, Qt::QueuedConnection);
        return;
    }
    const QVariant token = changeToken();
    if (!token.isValid()) {
        const QString reason =
            m_registry->dialect() == Dialect::Postgres
                ? QStringLiteral("The connection to %1 was lost.").arg(m_registry->locationDisplay())
                : QStringLiteral("The registry file %1 cannot be read any more.").arg(m_registry->locationDisplay());
        m_lost = true;
        m_listener.reset();
        m_registry.reset();
        QMetaObject::invokeMethod(
            m_client, [c = m_client, reason]() { emit c->connectionLost(reason); }, Qt::QueuedConnection);
        return;
    }
    if (token != m_lastToken) {
        m_lastToken = token;
        QMetaObject::invokeMethod(
            m_client, [c = m_client]() { emit c->registryChanged(); }, Qt::QueuedConnection);
    }
    checkReplica();
}

// ---- client ---------------------------------------------------------------------------------------

RegistryClient::RegistryClient(QObject *parent) : QObject(parent)
{
    m_worker = new RegistryWorker(this);
    m_worker->moveToThread(&m_thread);
    // The worker, and with it the registry connection, is destroyed on the worker thread.
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("registry-worker"));
    m_thread.start();
}

RegistryClient::~RegistryClient()
{
    m_thread.quit();
    m_thread.wait();
}

void RegistryClient::postToWorker(std::function<void(RegistryWorker &)> job)
{
    RegistryWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, job = std::move(job)]() { job(*worker); }, Qt::QueuedConnection);
}

void RegistryClient::post(std::function<void(Registry *)> job)
{
    postToWorker([job = std::move(job)](RegistryWorker &w) { w.runJob(job); });
}

void RegistryClient::open(const QString &url, Registry::Open mode, const QString &readUrl)
{
    const quint64 generation = ++m_openGeneration;
    m_url = url;
    QPointer<RegistryClient> self(this);
    postToWorker([url, mode, readUrl, generation, self](RegistryWorker &w) {
        auto r = Registry::open(url, mode);
        if (r && !readUrl.isEmpty())
            if (auto attached = (*r)->attachReplica(readUrl); !attached) {
                Error e = attached.error();
                e.message = tr("The read replica %1 cannot be used: %2").arg(readUrl, e.message);
                r = e;
            }
        if (!r) {
            const Error e = r.error();
            QMetaObject::invokeMethod(
                self.data(),
                [self, e, generation]() {
                    if (self && generation == self->m_openGeneration)
                        emit self->openFailed(e);
                },
                Qt::QueuedConnection);
            return;
        }
        SessionInfo info = describeSession(**r, url);
        info.readUrl = readUrl;
        w.setRegistry(std::move(*r), url, readUrl);
        QMetaObject::invokeMethod(
            self.data(),
            [self, info, generation]() {
                if (!self || generation != self->m_openGeneration)
                    return;
                self->m_session = info;
                self->m_open = true;
                emit self->opened(info);
            },
            Qt::QueuedConnection);
    });
}

void RegistryClient::test(const QString &url, QObject *receiver, std::function<void(bool, QString)> done)
{
    QPointer<QObject> guard(receiver);
    QPointer<RegistryClient> self(this);
    postToWorker([url, guard, self, done = std::move(done)](RegistryWorker &) {
        QString message;
        bool ok = false;
        {
            auto r = Registry::open(url, Registry::Open::ExistingOnly);
            if (!r) {
                message = r.error().message;
            } else {
                ok = true;
                const SessionInfo info = describeSession(**r, url);
                auto models = (*r)->modelCount();
                message = QStringLiteral("Connected to %1 as %2 (%3): a ModelDesk registry, schema version %4, %5 "
                                         "models.")
                              .arg(info.display, info.user, info.role)
                              .arg(info.schemaVersion)
                              .arg(models ? *models : 0);
                if (info.readOnly)
                    message += QLatin1Char(' ') + info.readOnlyReason;
            }
        } // the test connection closes here, on the worker thread
        if (self)
            QMetaObject::invokeMethod(
                self.data(),
                [guard, done, ok, message]() {
                    if (guard)
                        done(ok, message);
                },
                Qt::QueuedConnection);
    });
}

void RegistryClient::setWatchInterval(int milliseconds)
{
    postToWorker([milliseconds](RegistryWorker &w) { w.setWatchInterval(milliseconds); });
}

} // namespace md
