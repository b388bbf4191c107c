-- ModelDesk registry schema v6 (SQLite): the append-only tables of PostgreSQL's v6 are append-only here
-- too. SQLite has no roles and no server clock: the audit log and timestamps are written by the client,
-- and `modelctl audit verify` (completeness, guards fingerprint, head checkpoint) is what detects a
-- write made around ModelDesk. README, "What SQLite can and cannot promise".

CREATE TRIGGER deployments_no_update BEFORE UPDATE ON deployments
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: deployment reports are append-only');
END;

CREATE TRIGGER deployments_no_delete BEFORE DELETE ON deployments
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: deployment reports are append-only');
END;

CREATE TRIGGER lineage_nodes_no_update BEFORE UPDATE ON lineage_nodes
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: lineage is append-only');
END;

CREATE TRIGGER lineage_nodes_no_delete BEFORE DELETE ON lineage_nodes
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: lineage is append-only');
END;

CREATE TRIGGER lineage_edges_no_update BEFORE UPDATE ON lineage_edges
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: lineage is append-only');
END;

CREATE TRIGGER lineage_edges_no_delete BEFORE DELETE ON lineage_edges
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: lineage is append-only');
END;

CREATE TRIGGER outbox_events_no_update BEFORE UPDATE ON outbox_events
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the outbox is append-only');
END;

CREATE TRIGGER outbox_events_no_delete BEFORE DELETE ON outbox_events
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the outbox is append-only');
END;

CREATE TRIGGER registered_models_no_delete BEFORE DELETE ON registered_models
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: models cannot be deleted');
END;

-- Version numbers come from the model's counter, one after another (PostgreSQL: modeldesk_version_sequence).
CREATE TRIGGER registered_models_version_sequence BEFORE UPDATE OF last_version ON registered_models
WHEN NEW.last_version NOT IN (OLD.last_version, OLD.last_version + 1)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: version numbers are taken one at a time');
END;

CREATE TRIGGER registered_models_start_empty BEFORE INSERT ON registered_models
WHEN NEW.last_version <> 0
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a new model starts with no versions (last_version 0)');
END;

CREATE TRIGGER model_versions_version_sequence BEFORE INSERT ON model_versions
WHEN NEW.version IS NOT (SELECT last_version FROM registered_models WHERE id = NEW.model_id)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the version is out of sequence: the model''s next number is taken by registering (last_version + 1)');
END;

-- References stay within one model.
CREATE TRIGGER deployments_same_model BEFORE INSERT ON deployments
WHEN NOT EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.version_id AND model_id = NEW.model_id)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: deployments names a version of another model');
END;

CREATE TRIGGER aliases_same_model_insert BEFORE INSERT ON aliases
WHEN NOT EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.version_id AND model_id = NEW.model_id)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: aliases names a version of another model');
END;

CREATE TRIGGER aliases_same_model_update BEFORE UPDATE ON aliases
WHEN NOT EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.version_id AND model_id = NEW.model_id)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: aliases names a version of another model');
END;
