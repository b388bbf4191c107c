-- ModelDesk registry schema v1 (SQLite).
-- Statements end with a semicolon at the end of a line; trigger bodies end with "END;".
-- Timestamps are ISO-8601 UTC text ("2026-11-26T12:00:00.000Z"), which sorts and compares correctly.

CREATE TABLE registry_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE namespaces (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE TABLE registered_models (
    id             INTEGER PRIMARY KEY,
    namespace_id   INTEGER NOT NULL REFERENCES namespaces(id),
    name           TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL DEFAULT '',
    owner          TEXT NOT NULL DEFAULT '',
    max_production INTEGER NOT NULL DEFAULT 1 CHECK (max_production >= 1),
    last_version   INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX registered_models_namespace ON registered_models(namespace_id);

CREATE TABLE model_tags (
    model_id INTEGER NOT NULL REFERENCES registered_models(id),
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE model_versions (
    id               INTEGER PRIMARY KEY,
    model_id         INTEGER NOT NULL REFERENCES registered_models(id),
    version          INTEGER NOT NULL CHECK (version >= 1),
    artifact_uri     TEXT NOT NULL CHECK (length(artifact_uri) BETWEEN 1 AND 4096),
    artifact_digest  TEXT,
    source_run       TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    stage            TEXT NOT NULL DEFAULT 'None'
                     CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
    stage_changed_at TEXT NOT NULL,
    -- 0 while the registering transaction writes metadata, 1 afterwards; sealed versions are frozen.
    sealed           INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1)),
    UNIQUE (model_id, version)
);
CREATE INDEX model_versions_stage ON model_versions(stage, model_id);
CREATE INDEX model_versions_created ON model_versions(created_at);

CREATE TABLE metrics (
    version_id INTEGER NOT NULL REFERENCES model_versions(id),
    name       TEXT NOT NULL,
    dataset    TEXT NOT NULL DEFAULT '',
    slice      TEXT NOT NULL DEFAULT '',
    value      REAL NOT NULL CHECK (value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
    PRIMARY KEY (version_id, name, dataset, slice)
);
CREATE INDEX metrics_by_value ON metrics(name, value);

CREATE TABLE params (
    version_id INTEGER NOT NULL REFERENCES model_versions(id),
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (version_id, name)
);
CREATE INDEX params_by_value ON params(name, value);

CREATE TABLE facts (
    version_id INTEGER NOT NULL REFERENCES model_versions(id),
    category   TEXT NOT NULL CHECK (category IN ('data', 'code', 'env', 'training')),
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (version_id, category, name)
);
CREATE INDEX facts_by_value ON facts(category, name, value);

CREATE TABLE version_tags (
    version_id INTEGER NOT NULL REFERENCES model_versions(id),
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (version_id, key)
);
CREATE INDEX version_tags_by_value ON version_tags(key, value);

CREATE TABLE lineage_nodes (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('data_source', 'dataset', 'dataset_version', 'feature_pipeline',
                                                   'feature_pipeline_version', 'code_commit', 'model_version',
                                                   'deployment')),
    name             TEXT NOT NULL,
    version          TEXT NOT NULL DEFAULT '',
    model_version_id INTEGER UNIQUE REFERENCES model_versions(id),
    attributes       TEXT NOT NULL DEFAULT '{}',
    created_at       TEXT NOT NULL,
    UNIQUE (kind, name, version)
);

-- An edge points from the upstream node (src) to the node derived from it (dst).
CREATE TABLE lineage_edges (
    src_id     INTEGER NOT NULL REFERENCES lineage_nodes(id),
    dst_id     INTEGER NOT NULL REFERENCES lineage_nodes(id),
    kind       TEXT NOT NULL CHECK (kind IN ('derived_from', 'trained_on', 'uses', 'deployed_as')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (src_id, dst_id, kind)
);
CREATE INDEX lineage_edges_dst ON lineage_edges(dst_id);

-- Stage changes of versions (written by the lifecycle code; registration writes the first row).
CREATE TABLE stage_transitions (
    id          INTEGER PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES model_versions(id),
    from_stage  TEXT NOT NULL,
    to_stage    TEXT NOT NULL CHECK (to_stage IN ('None', 'Staging', 'Production', 'Archived')),
    kind        TEXT NOT NULL CHECK (kind IN ('register', 'promote', 'archive', 'rollback', 'demote')),
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    approval_id INTEGER
);
CREATE INDEX stage_transitions_version ON stage_transitions(version_id, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);

-- Invariant 1: registration metadata never changes once a version is sealed.
CREATE TRIGGER model_versions_identity_immutable
BEFORE UPDATE OF id, model_id, version, artifact_uri, artifact_digest, source_run, created_at, created_by
ON model_versions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the registration metadata of a model version is immutable');
END;

CREATE TRIGGER model_versions_stay_sealed
BEFORE UPDATE OF sealed ON model_versions
WHEN OLD.sealed = 1
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a sealed model version cannot be unsealed');
END;

CREATE TRIGGER model_versions_no_delete
BEFORE DELETE ON model_versions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: model versions cannot be deleted');
END;

CREATE TRIGGER metrics_insert_unsealed
BEFORE INSERT ON metrics
WHEN (SELECT sealed FROM model_versions WHERE id = NEW.version_id) = 1
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: metrics of a registered version are immutable');
END;

CREATE TRIGGER metrics_no_update
BEFORE UPDATE ON metrics
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: metrics of a registered version are immutable');
END;

CREATE TRIGGER metrics_no_delete
BEFORE DELETE ON metrics
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: metrics of a registered version are immutable');
END;

CREATE TRIGGER params_insert_unsealed
BEFORE INSERT ON params
WHEN (SELECT sealed FROM model_versions WHERE id = NEW.version_id) = 1
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: params of a registered version are immutable');
END;

CREATE TRIGGER params_no_update
BEFORE UPDATE ON params
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: params of a registered version are immutable');
END;

CREATE TRIGGER params_no_delete
BEFORE DELETE ON params
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: params of a registered version are immutable');
END;

CREATE TRIGGER facts_insert_unsealed
BEFORE INSERT ON facts
WHEN (SELECT sealed FROM model_versions WHERE id = NEW.version_id) = 1
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: provenance of a registered version is immutable');
END;

CREATE TRIGGER facts_no_update
BEFORE UPDATE ON facts
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: provenance of a registered version is immutable');
END;

CREATE TRIGGER facts_no_delete
BEFORE DELETE ON facts
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: provenance of a registered version is immutable');
END;

-- Invariant 4: stage_transitions and audit_log are append-only.
CREATE TRIGGER stage_transitions_no_update
BEFORE UPDATE ON stage_transitions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: stage_transitions is append-only');
END;

CREATE TRIGGER stage_transitions_no_delete
BEFORE DELETE ON stage_transitions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: stage_transitions is append-only');
END;

CREATE TRIGGER audit_log_no_update
BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete
BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the audit log is append-only');
END;
