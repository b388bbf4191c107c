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

-- Writes go through ModelDesk. Every write trigger below calls modeldesk_use_modelctl(), a function the
-- registry core defines on its own connections (database.cpp, registerSqliteClientFunction). A connection
-- without it (the sqlite3 shell, a script) cannot prepare an INSERT, UPDATE, DELETE or REPLACE on a registry
-- table: SQLite answers "no such function: modeldesk_use_modelctl". Dropping these triggers is noticed by
-- the guards fingerprint; a program that defines the function itself writes around them (README).

CREATE TRIGGER registry_info_insert_through_modeldesk BEFORE INSERT ON registry_info
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER registry_info_update_through_modeldesk BEFORE UPDATE ON registry_info
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER registry_info_delete_through_modeldesk BEFORE DELETE ON registry_info
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER namespaces_insert_through_modeldesk BEFORE INSERT ON namespaces
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER namespaces_update_through_modeldesk BEFORE UPDATE ON namespaces
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER namespaces_delete_through_modeldesk BEFORE DELETE ON namespaces
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER registered_models_insert_through_modeldesk BEFORE INSERT ON registered_models
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER registered_models_update_through_modeldesk BEFORE UPDATE ON registered_models
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER registered_models_delete_through_modeldesk BEFORE DELETE ON registered_models
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER model_tags_insert_through_modeldesk BEFORE INSERT ON model_tags
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER model_tags_update_through_modeldesk BEFORE UPDATE ON model_tags
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER model_tags_delete_through_modeldesk BEFORE DELETE ON model_tags
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER model_versions_insert_through_modeldesk BEFORE INSERT ON model_versions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER model_versions_update_through_modeldesk BEFORE UPDATE ON model_versions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER model_versions_delete_through_modeldesk BEFORE DELETE ON model_versions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER metrics_insert_through_modeldesk BEFORE INSERT ON metrics
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER metrics_update_through_modeldesk BEFORE UPDATE ON metrics
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER metrics_delete_through_modeldesk BEFORE DELETE ON metrics
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER params_insert_through_modeldesk BEFORE INSERT ON params
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER params_update_through_modeldesk BEFORE UPDATE ON params
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER params_delete_through_modeldesk BEFORE DELETE ON params
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER facts_insert_through_modeldesk BEFORE INSERT ON facts
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER facts_update_through_modeldesk BEFORE UPDATE ON facts
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER facts_delete_through_modeldesk BEFORE DELETE ON facts
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER version_tags_insert_through_modeldesk BEFORE INSERT ON version_tags
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER version_tags_update_through_modeldesk BEFORE UPDATE ON version_tags
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER version_tags_delete_through_modeldesk BEFORE DELETE ON version_tags
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER lineage_nodes_insert_through_modeldesk BEFORE INSERT ON lineage_nodes
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER lineage_nodes_update_through_modeldesk BEFORE UPDATE ON lineage_nodes
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER lineage_nodes_delete_through_modeldesk BEFORE DELETE ON lineage_nodes
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER lineage_edges_insert_through_modeldesk BEFORE INSERT ON lineage_edges
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER lineage_edges_update_through_modeldesk BEFORE UPDATE ON lineage_edges
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER lineage_edges_delete_through_modeldesk BEFORE DELETE ON lineage_edges
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER stage_transitions_insert_through_modeldesk BEFORE INSERT ON stage_transitions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER stage_transitions_update_through_modeldesk BEFORE UPDATE ON stage_transitions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER stage_transitions_delete_through_modeldesk BEFORE DELETE ON stage_transitions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER audit_log_insert_through_modeldesk BEFORE INSERT ON audit_log
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER audit_log_update_through_modeldesk BEFORE UPDATE ON audit_log
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER audit_log_delete_through_modeldesk BEFORE DELETE ON audit_log
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER gate_policies_insert_through_modeldesk BEFORE INSERT ON gate_policies
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER gate_policies_update_through_modeldesk BEFORE UPDATE ON gate_policies
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER gate_policies_delete_through_modeldesk BEFORE DELETE ON gate_policies
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER approval_requests_insert_through_modeldesk BEFORE INSERT ON approval_requests
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER approval_requests_update_through_modeldesk BEFORE UPDATE ON approval_requests
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER approval_requests_delete_through_modeldesk BEFORE DELETE ON approval_requests
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER approval_decisions_insert_through_modeldesk BEFORE INSERT ON approval_decisions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER approval_decisions_update_through_modeldesk BEFORE UPDATE ON approval_decisions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER approval_decisions_delete_through_modeldesk BEFORE DELETE ON approval_decisions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER aliases_insert_through_modeldesk BEFORE INSERT ON aliases
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER aliases_update_through_modeldesk BEFORE UPDATE ON aliases
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER aliases_delete_through_modeldesk BEFORE DELETE ON aliases
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER deployments_insert_through_modeldesk BEFORE INSERT ON deployments
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER deployments_update_through_modeldesk BEFORE UPDATE ON deployments
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER deployments_delete_through_modeldesk BEFORE DELETE ON deployments
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER outbox_events_insert_through_modeldesk BEFORE INSERT ON outbox_events
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER outbox_events_update_through_modeldesk BEFORE UPDATE ON outbox_events
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER outbox_events_delete_through_modeldesk BEFORE DELETE ON outbox_events
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER metric_directions_insert_through_modeldesk BEFORE INSERT ON metric_directions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER metric_directions_update_through_modeldesk BEFORE UPDATE ON metric_directions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER metric_directions_delete_through_modeldesk BEFORE DELETE ON metric_directions
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER schema_version_insert_through_modeldesk BEFORE INSERT ON schema_version
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER schema_version_update_through_modeldesk BEFORE UPDATE ON schema_version
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER schema_version_delete_through_modeldesk BEFORE DELETE ON schema_version
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;
