#include "changelistener.h"

#include "database.h"

#include <QSqlDriver>

namespace md {

ChangeListener::ChangeListener(std::unique_ptr<Database> db) : m_db(std::move(db)) {}

ChangeListener::~ChangeListener() = default;

bool ChangeListener::isAlive()
{
    return m_db->isAlive();
}

std::unique_ptr<ChangeListener> ChangeListener::start(const Registry &registry, const QString &channel)
{
    if (registry.dialect() != Dialect::Postgres)
        return nullptr;
    auto db = Database::open(registry.location(), Database::Create::No);
    if (!db)
        return nullptr;
    QSqlDriver *driver = (*db)->database().driver();
    if (!driver->subscribeToNotification(channel))
        return nullptr;
    std::unique_ptr<ChangeListener> listener(new ChangeListener(std::move(*db)));
    ChangeListener *self = listener.get();
    connect(driver, &QSqlDriver::notification, self,
            [self, channel](const QString &name, QSqlDriver::NotificationSource, const QVariant &) {
                if (name == channel)
                    emit self->changed();
            });
    return listener;
}

} // namespace md
