-- ModelDesk registry schema v5 (SQLite): no statement form replaces an immutable row.
-- INSERT OR REPLACE (and REPLACE INTO) deletes the conflicting row without firing DELETE triggers
-- (unless recursive_triggers is on for that connection), so the UPDATE/DELETE guards of versions,
-- metrics, params, facts, transitions, requests, decisions and the audit log never see it. A BEFORE
-- INSERT trigger that refuses an existing key covers every form (an upsert's DO UPDATE fires the
-- UPDATE guards). Trigger bodies resolve names in the trigger's own schema, so a TEMP table of the
-- same name does not shadow a registry table here.

CREATE TRIGGER model_versions_no_replace BEFORE INSERT ON model_versions
WHEN EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.id OR (model_id = NEW.model_id AND version = NEW.version))
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a registered version is never replaced');
END;

CREATE TRIGGER metrics_no_replace BEFORE INSERT ON metrics
WHEN EXISTS (SELECT 1 FROM metrics WHERE version_id = NEW.version_id AND name = NEW.name AND dataset = NEW.dataset
             AND slice = NEW.slice)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a recorded metric is never replaced');
END;

CREATE TRIGGER params_no_replace BEFORE INSERT ON params
WHEN EXISTS (SELECT 1 FROM params WHERE version_id = NEW.version_id AND name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a recorded param is never replaced');
END;

CREATE TRIGGER facts_no_replace BEFORE INSERT ON facts
WHEN EXISTS (SELECT 1 FROM facts WHERE version_id = NEW.version_id AND category = NEW.category AND name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a recorded provenance fact is never replaced');
END;

CREATE TRIGGER stage_transitions_no_replace BEFORE INSERT ON stage_transitions
WHEN EXISTS (SELECT 1 FROM stage_transitions WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: stage transitions are append-only');
END;

CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id OR hash = NEW.hash)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the audit log is append-only');
END;

CREATE TRIGGER approval_requests_no_replace BEFORE INSERT ON approval_requests
WHEN EXISTS (SELECT 1 FROM approval_requests WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: approval requests cannot be replaced');
END;

CREATE TRIGGER approval_decisions_no_replace BEFORE INSERT ON approval_decisions
WHEN EXISTS (SELECT 1 FROM approval_decisions WHERE id = NEW.id OR (request_id = NEW.request_id AND actor = NEW.actor))
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: approval decisions are append-only');
END;
