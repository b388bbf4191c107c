-- ModelDesk registry schema v7 (SQLite): the change feed and webhooks.
--
-- * The outbox is written by the database's own triggers, as on PostgreSQL (007_feed.sql there): one event
--   per change, with the payload the README documents ("Change feed"). The actor and the clock come from
--   functions the ModelDesk client defines on its connection (database.cpp, registerSqliteClientFunction),
--   named modeldesk_use_modelctl_* so that a connection without them (the sqlite3 shell), which can neither
--   write a change nor forge an event, is told what to use instead.
-- * Webhooks, their secrets, deliveries and attempts. SQLite has no roles: whoever can read the file can read
--   the secrets (README, "What SQLite can and cannot promise").

-- ---- events --------------------------------------------------------------------------------------------

CREATE TRIGGER registered_models_event_created AFTER INSERT ON registered_models
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'model.created', json_object('type', 'model.created', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', NEW.name,
                                        'version', NULL, 'data', json_object('namespace', n.name)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e LEFT JOIN namespaces n ON n.id = NEW.namespace_id;
END;

CREATE TRIGGER registered_models_event_updated AFTER UPDATE OF description, max_production, owner ON registered_models
WHEN OLD.description IS NOT NEW.description OR OLD.max_production IS NOT NEW.max_production
     OR OLD.owner IS NOT NEW.owner
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'model.updated', json_object('type', 'model.updated', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', NEW.name,
                                        'version', NULL, 'data', json_object(
                                            'changed', CASE WHEN OLD.description IS NOT NEW.description THEN 'description'
                                                            WHEN OLD.max_production IS NOT NEW.max_production
                                                                 THEN 'max_production' ELSE 'owner' END)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

CREATE TRIGGER model_versions_event_registered AFTER UPDATE OF sealed ON model_versions
WHEN OLD.sealed = 0 AND NEW.sealed = 1
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'version.registered',
           json_object('type', 'version.registered', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                       'version', NEW.version, 'data', json_object(
                           'artifact_uri', NEW.artifact_uri, 'artifact_digest', NEW.artifact_digest,
                           'metrics', (SELECT count(*) FROM metrics WHERE version_id = NEW.id),
                           'params', (SELECT count(*) FROM params WHERE version_id = NEW.id),
                           'facts', (SELECT count(*) FROM facts WHERE version_id = NEW.id))), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e JOIN registered_models m ON m.id = NEW.model_id;
END;

CREATE TRIGGER model_versions_event_updated AFTER UPDATE OF description, rollback_excluded ON model_versions
WHEN OLD.description IS NOT NEW.description OR OLD.rollback_excluded IS NOT NEW.rollback_excluded
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'version.updated', json_object('type', 'version.updated', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                          'version', NEW.version, 'data', json_object(
                                              'changed', CASE WHEN OLD.description IS NOT NEW.description
                                                              THEN 'description' ELSE 'rollback_excluded' END)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e JOIN registered_models m ON m.id = NEW.model_id;
END;

-- Every stage change; a change into Production is also version.promoted or version.rolled_back.
CREATE TRIGGER stage_transitions_event AFTER INSERT ON stage_transitions
WHEN NEW.kind <> 'register'
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'version.stage_changed',
           json_object('type', 'version.stage_changed', 'at', NEW.at, 'actor', NEW.actor, 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'from', NEW.from_stage, 'to', NEW.to_stage, 'kind', NEW.kind, 'reason', NEW.reason,
                           'approval_id', NEW.approval_id)), NEW.at
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = NEW.version_id;
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT CASE NEW.kind WHEN 'rollback' THEN 'version.rolled_back' ELSE 'version.promoted' END,
           json_object('type', CASE NEW.kind WHEN 'rollback' THEN 'version.rolled_back' ELSE 'version.promoted' END,
                       'at', NEW.at, 'actor', NEW.actor, 'model', m.name, 'version', v.version,
                       'data', json_object(
                           'from', NEW.from_stage, 'kind', NEW.kind, 'reason', NEW.reason,
                           'approval_id', NEW.approval_id,
                           'previous', (SELECT CASE WHEN NEW.kind = 'rollback' AND t.kind = 'rollback'
                                                         AND t.from_stage = 'Production' THEN pv.version END
                                          FROM stage_transitions t JOIN model_versions pv ON pv.id = t.version_id
                                         WHERE pv.model_id = v.model_id AND t.id < NEW.id
                                         ORDER BY t.id DESC LIMIT 1))), NEW.at
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id AND NEW.to_stage = 'Production';
END;

CREATE TRIGGER approval_requests_event_created AFTER INSERT ON approval_requests
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'request.created',
           json_object('type', 'request.created', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'request_id', NEW.id, 'to', NEW.to_stage, 'reason', NEW.reason,
                           'gates_passed', json(CASE NEW.gates_passed WHEN 1 THEN 'true' ELSE 'false' END),
                           'required_approvals', NEW.required_approvals)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
END;

CREATE TRIGGER approval_requests_event_status AFTER UPDATE OF status ON approval_requests
WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'request.' || NEW.status,
           json_object('type', 'request.' || NEW.status, 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'request_id', NEW.id, 'from', OLD.status, 'to', NEW.status)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
END;

CREATE TRIGGER approval_decisions_event AFTER INSERT ON approval_decisions
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'request.decided',
           json_object('type', 'request.decided', 'at', NEW.at, 'actor', NEW.actor, 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'request_id', NEW.request_id, 'decision', NEW.decision, 'comment', NEW.comment,
                           'override_reason', NEW.override_reason)), NEW.at
      FROM approval_requests r JOIN model_versions v ON v.id = r.version_id
      JOIN registered_models m ON m.id = v.model_id WHERE r.id = NEW.request_id;
END;

CREATE TRIGGER aliases_event_set AFTER INSERT ON aliases
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'alias.moved',
           json_object('type', 'alias.moved', 'at', NEW.updated_at, 'actor', NEW.updated_by, 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'alias', NEW.alias, 'from', NULL, 'to', v.version, 'follows', nullif(NEW.follows, ''),
                           'protected', json(CASE NEW.protected WHEN 1 THEN 'true' ELSE 'false' END))),
           NEW.updated_at
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = NEW.version_id;
END;

CREATE TRIGGER aliases_event_moved AFTER UPDATE ON aliases
WHEN OLD.version_id IS NOT NEW.version_id
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'alias.moved',
           json_object('type', 'alias.moved', 'at', NEW.updated_at, 'actor', NEW.updated_by, 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'alias', NEW.alias, 'from', (SELECT version FROM model_versions WHERE id = OLD.version_id),
                           'to', v.version, 'follows', nullif(NEW.follows, ''),
                           'protected', json(CASE NEW.protected WHEN 1 THEN 'true' ELSE 'false' END))),
           NEW.updated_at
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = NEW.version_id;
END;

CREATE TRIGGER aliases_event_removed AFTER DELETE ON aliases
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'alias.removed',
           json_object('type', 'alias.removed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                       'version', v.version, 'data', json_object('alias', OLD.alias, 'from', v.version)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = OLD.version_id;
END;

-- Tags given at registration (the version is not sealed yet) are part of version.registered.
CREATE TRIGGER version_tags_event_set AFTER INSERT ON version_tags
WHEN (SELECT sealed FROM model_versions WHERE id = NEW.version_id) = 1
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'tag.set', json_object('type', 'tag.set', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                  'version', v.version, 'data', json_object(
                                      'on', 'version', 'key', NEW.key, 'value', NEW.value, 'previous', NULL)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
END;

CREATE TRIGGER version_tags_event_changed AFTER UPDATE ON version_tags
WHEN OLD.value IS NOT NEW.value OR OLD.key IS NOT NEW.key
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'tag.set', json_object('type', 'tag.set', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                  'version', v.version, 'data', json_object(
                                      'on', 'version', 'key', NEW.key, 'value', NEW.value, 'previous', OLD.value)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
END;

CREATE TRIGGER version_tags_event_removed AFTER DELETE ON version_tags
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'tag.removed', json_object('type', 'tag.removed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                      'version', v.version, 'data', json_object(
                                          'on', 'version', 'key', OLD.key, 'value', NULL, 'previous', OLD.value)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = OLD.version_id;
END;

CREATE TRIGGER model_tags_event_set AFTER INSERT ON model_tags
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'tag.set', json_object('type', 'tag.set', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                  'version', NULL, 'data', json_object(
                                      'on', 'model', 'key', NEW.key, 'value', NEW.value, 'previous', NULL)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, registered_models m WHERE m.id = NEW.model_id;
END;

CREATE TRIGGER model_tags_event_changed AFTER UPDATE ON model_tags
WHEN OLD.value IS NOT NEW.value OR OLD.key IS NOT NEW.key
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'tag.set', json_object('type', 'tag.set', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                  'version', NULL, 'data', json_object(
                                      'on', 'model', 'key', NEW.key, 'value', NEW.value, 'previous', OLD.value)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, registered_models m WHERE m.id = NEW.model_id;
END;

CREATE TRIGGER model_tags_event_removed AFTER DELETE ON model_tags
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'tag.removed', json_object('type', 'tag.removed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(), 'model', m.name,
                                      'version', NULL, 'data', json_object(
                                          'on', 'model', 'key', OLD.key, 'value', NULL, 'previous', OLD.value)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e, registered_models m WHERE m.id = OLD.model_id;
END;

-- A service reporting a version that is not in Production runs a shadow model: that is an event of its own.
CREATE TRIGGER deployments_event AFTER INSERT ON deployments
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'deployment.reported',
           json_object('type', 'deployment.reported', 'at', NEW.reported_at, 'actor', NEW.reported_by, 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'service', NEW.service, 'environment', NEW.environment, 'stage', v.stage)), NEW.reported_at
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = NEW.version_id;
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'shadow.detected',
           json_object('type', 'shadow.detected', 'at', NEW.reported_at, 'actor', NEW.reported_by, 'model', m.name,
                       'version', v.version, 'data', json_object(
                           'service', NEW.service, 'environment', NEW.environment, 'stage', v.stage)), NEW.reported_at
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id AND v.stage <> 'Production';
END;

CREATE TRIGGER gate_policies_event_set AFTER INSERT ON gate_policies
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'policy.changed', json_object('type', 'policy.changed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(),
                                         'model', (SELECT name FROM registered_models WHERE id = NEW.model_id),
                                         'version', NULL, 'data', json_object('policy', 'gates', 'key', NEW.transition)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

CREATE TRIGGER gate_policies_event_changed AFTER UPDATE ON gate_policies
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'policy.changed', json_object('type', 'policy.changed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(),
                                         'model', (SELECT name FROM registered_models WHERE id = NEW.model_id),
                                         'version', NULL, 'data', json_object('policy', 'gates', 'key', NEW.transition)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

CREATE TRIGGER gate_policies_event_removed AFTER DELETE ON gate_policies
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'policy.changed', json_object('type', 'policy.changed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(),
                                         'model', (SELECT name FROM registered_models WHERE id = OLD.model_id),
                                         'version', NULL, 'data', json_object('policy', 'gates', 'key', OLD.transition)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

CREATE TRIGGER metric_directions_event_set AFTER INSERT ON metric_directions
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'policy.changed', json_object('type', 'policy.changed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(),
                                         'model', (SELECT name FROM registered_models WHERE id = NEW.model_id),
                                         'version', NULL, 'data', json_object('policy', 'metric_direction', 'key', NEW.metric)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

CREATE TRIGGER metric_directions_event_changed AFTER UPDATE ON metric_directions
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'policy.changed', json_object('type', 'policy.changed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(),
                                         'model', (SELECT name FROM registered_models WHERE id = NEW.model_id),
                                         'version', NULL, 'data', json_object('policy', 'metric_direction', 'key', NEW.metric)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

CREATE TRIGGER metric_directions_event_removed AFTER DELETE ON metric_directions
BEGIN
    INSERT INTO outbox_events (event_type, payload, created_at)
    SELECT 'policy.changed', json_object('type', 'policy.changed', 'at', e.t, 'actor', modeldesk_use_modelctl_actor(),
                                         'model', (SELECT name FROM registered_models WHERE id = OLD.model_id),
                                         'version', NULL, 'data', json_object('policy', 'metric_direction', 'key', OLD.metric)), e.t
      FROM (SELECT modeldesk_use_modelctl_clock() AS t) e;
END;

-- ---- webhooks ------------------------------------------------------------------------------------------

CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    events          TEXT NOT NULL CHECK (length(events) > 0), -- comma-separated types, 'version.*' or '*'
    model           TEXT,                                     -- NULL: every model
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    cursor          INTEGER NOT NULL DEFAULT 0                -- the last outbox event queued for it
);

CREATE TABLE webhook_secrets (
    webhook_id INTEGER PRIMARY KEY REFERENCES webhooks(id) ON DELETE CASCADE,
    secret     BLOB NOT NULL CHECK (length(secret) >= 16)
);

-- One row per event and webhook (and one per redelivery). Claimed while a deliverer sends it.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES outbox_events(id),
    model           TEXT NOT NULL DEFAULT '',
    redelivery_of   INTEGER REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    delivered_at    TEXT,
    last_code       INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries(webhook_id, event_id) WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(webhook_id, model, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT NOT NULL DEFAULT '',
    response    TEXT NOT NULL DEFAULT '',
    deliverer   TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

CREATE TRIGGER webhooks_insert_through_modeldesk BEFORE INSERT ON webhooks
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhooks_update_through_modeldesk BEFORE UPDATE ON webhooks
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhooks_delete_through_modeldesk BEFORE DELETE ON webhooks
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_secrets_insert_through_modeldesk BEFORE INSERT ON webhook_secrets
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_secrets_update_through_modeldesk BEFORE UPDATE ON webhook_secrets
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_deliveries_insert_through_modeldesk BEFORE INSERT ON webhook_deliveries
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_deliveries_update_through_modeldesk BEFORE UPDATE ON webhook_deliveries
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_attempts_insert_through_modeldesk BEFORE INSERT ON webhook_attempts
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_attempts_update_through_modeldesk BEFORE UPDATE ON webhook_attempts
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_secrets_delete_through_modeldesk BEFORE DELETE ON webhook_secrets
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_deliveries_delete_through_modeldesk BEFORE DELETE ON webhook_deliveries
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;

CREATE TRIGGER webhook_attempts_delete_through_modeldesk BEFORE DELETE ON webhook_attempts
WHEN modeldesk_use_modelctl()
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: unreachable');
END;
