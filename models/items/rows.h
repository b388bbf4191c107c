#pragma once

// Plain values that travel from the registry worker thread to the item models by queued signals.

#include "registry/browse.h"
#include "registry/result.h"
#include "registry/search.h"
#include "registry/types.h"

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QVariant>

namespace md {

// What the GUI shows about an open registry.
struct SessionInfo
{
    QString url;
    QString display;
    Dialect dialect = Dialect::Sqlite;
    QString user;
    QString role;               // for display: "reader, scientist", "local file (no roles)"
    bool mayAdminister = false; // PostgreSQL: admin or superuser; SQLite: always (no roles)
    bool readOnly = false;
    QString readOnlyReason;
    QString guardsProblem; // the registry's triggers were changed outside ModelDesk (Registry::guardsProblem)
    int schemaVersion = 0;
    QString readUrl; // the read replica's URL as given (empty: none)
    QString replica; // the read replica reads go to (display form); empty: none
};

} // namespace md

Q_DECLARE_METATYPE(md::VersionRow)
Q_DECLARE_METATYPE(md::VersionKeys)
Q_DECLARE_METATYPE(md::SessionInfo)
Q_DECLARE_METATYPE(md::Error)
Q_DECLARE_METATYPE(md::FilterError)
Q_DECLARE_METATYPE(md::SearchOutcome)
Q_DECLARE_METATYPE(md::ModelVersion)
Q_DECLARE_METATYPE(md::RegisteredModel)
