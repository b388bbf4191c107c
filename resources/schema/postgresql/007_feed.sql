-- ModelDesk registry schema v7 (PostgreSQL): the change feed and webhooks.
--
-- * The outbox stays the database's own (006): its events now carry the payload the README documents
--   ("Change feed"), the same on SQLite (007_feed.sql there), and a change into Production is also
--   version.promoted or version.rolled_back; a deployment of a version not in Production is shadow.detected.
--   Event ids are taken under the registry writer lock (modeldesk_record), so they are in commit order: a
--   reader that has seen event N has seen every event before it, and `modelctl watch --after N` never skips.
-- * Every insert into the outbox notifies 'modeldesk_events' at commit (modelctl watch, the deliverer).
-- * Webhooks (admin only). Their secrets are in a table only admins may read; deliveries and attempts are
--   written by the deliverer, which runs as an admin login.

-- Appends one outbox event for the current change (the audit entry is modeldesk_record's).
CREATE FUNCTION modeldesk_event(p_type text, p_model text, p_version integer, p_data jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    stamp text := modeldesk_now();
BEGIN
    PERFORM pg_advisory_xact_lock(1835299691); -- the registry writer lock: ids in commit order
    INSERT INTO outbox_events (event_type, payload, created_at)
        VALUES (p_type, jsonb_build_object('type', p_type, 'at', stamp, 'actor', session_user::text, 'model', p_model,
                                           'version', p_version, 'data', coalesce(p_data, '{}'::jsonb))::text,
                stamp);
END;
$$;

CREATE FUNCTION modeldesk_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('modeldesk_events', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_notify_events();

-- ---- the audit triggers, now with the documented event data -----------------------------------------

CREATE OR REPLACE FUNCTION modeldesk_audit_model() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM modeldesk_record('create_model', 'model', NEW.name,
                                 jsonb_build_object('namespace', (SELECT name FROM namespaces WHERE id = NEW.namespace_id)),
                                 'model.created', NEW.name, NULL);
        RETURN NULL;
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        PERFORM modeldesk_record('describe_model', 'model', NEW.name,
                                 jsonb_build_object('before', OLD.description, 'after', NEW.description), NULL, NULL, NULL);
        PERFORM modeldesk_event('model.updated', NEW.name, NULL, jsonb_build_object('changed', 'description'));
    END IF;
    IF NEW.max_production IS DISTINCT FROM OLD.max_production THEN
        PERFORM modeldesk_record('set_max_production', 'model', NEW.name,
                                 jsonb_build_object('before', OLD.max_production, 'after', NEW.max_production),
                                 NULL, NULL, NULL);
        PERFORM modeldesk_event('model.updated', NEW.name, NULL, jsonb_build_object('changed', 'max_production'));
    END IF;
    IF NEW.owner IS DISTINCT FROM OLD.owner OR NEW.name IS DISTINCT FROM OLD.name
       OR NEW.namespace_id IS DISTINCT FROM OLD.namespace_id THEN
        PERFORM modeldesk_record('update_model', 'model', NEW.name,
                                 jsonb_build_object('before', to_jsonb(OLD) - 'last_version', 'after',
                                                    to_jsonb(NEW) - 'last_version'), NULL, NULL, NULL);
        PERFORM modeldesk_event('model.updated', NEW.name, NULL, jsonb_build_object('changed', 'owner'));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_version() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text := (SELECT name FROM registered_models WHERE id = NEW.model_id);
    vkey text := model || '@v' || NEW.version;
    counts jsonb;
BEGIN
    IF NEW.sealed = 1 AND OLD.sealed = 0 THEN
        counts := jsonb_build_object('metrics', (SELECT count(*) FROM metrics WHERE version_id = NEW.id),
                                     'params', (SELECT count(*) FROM params WHERE version_id = NEW.id),
                                     'facts', (SELECT count(*) FROM facts WHERE version_id = NEW.id));
        PERFORM modeldesk_record('register_version', 'model_version', vkey,
                                 jsonb_strip_nulls(jsonb_build_object(
                                     'artifact_uri', NEW.artifact_uri, 'artifact_digest', NEW.artifact_digest,
                                     'content', modeldesk_content_digest(NEW.id)) || counts), NULL, NULL, NULL);
        PERFORM modeldesk_event('version.registered', model, NEW.version,
                                jsonb_build_object('artifact_uri', NEW.artifact_uri,
                                                   'artifact_digest', NEW.artifact_digest) || counts);
        PERFORM set_config('modeldesk.registering', '', true);
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        PERFORM modeldesk_record('describe_version', 'model_version', vkey,
                                 jsonb_build_object('before', OLD.description, 'after', NEW.description), NULL, NULL, NULL);
        PERFORM modeldesk_event('version.updated', model, NEW.version, jsonb_build_object('changed', 'description'));
    END IF;
    IF NEW.rollback_excluded IS DISTINCT FROM OLD.rollback_excluded THEN
        PERFORM modeldesk_record(CASE WHEN NEW.rollback_excluded = 1 THEN 'set_rollback_mark' ELSE 'clear_rollback_mark' END,
                                 'model_version', vkey, jsonb_build_object('rollback_excluded', NEW.rollback_excluded),
                                 NULL, NULL, NULL);
        PERFORM modeldesk_event('version.updated', model, NEW.version,
                                jsonb_build_object('changed', 'rollback_excluded'));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_transition() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    v_model bigint;
    number integer;
BEGIN
    IF NEW.kind = 'register' THEN
        RETURN NULL; -- recorded by register_version when the version is sealed
    END IF;
    SELECT m.name, m.id, v.version INTO model, v_model, number
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = NEW.version_id;
    PERFORM modeldesk_record('stage_' || NEW.kind, 'model_version', model || '@v' || number,
                             jsonb_build_object('from', NEW.from_stage, 'to', NEW.to_stage, 'kind', NEW.kind,
                                                'reason', NEW.reason, 'approval_id', NEW.approval_id),
                             'version.stage_changed', model, number);
    IF NEW.to_stage = 'Production' THEN
        PERFORM modeldesk_event(CASE NEW.kind WHEN 'rollback' THEN 'version.rolled_back' ELSE 'version.promoted' END,
                                model, number, jsonb_build_object(
                                    'from', NEW.from_stage, 'kind', NEW.kind, 'reason', NEW.reason,
                                    'approval_id', NEW.approval_id,
                                    'previous', (SELECT CASE WHEN NEW.kind = 'rollback' AND t.kind = 'rollback'
                                                                  AND t.from_stage = 'Production' THEN pv.version END
                                                   FROM stage_transitions t JOIN model_versions pv ON pv.id = t.version_id
                                                  WHERE pv.model_id = v_model
                                                    AND t.id < NEW.id ORDER BY t.id DESC LIMIT 1)));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_request() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    number integer;
BEGIN
    SELECT m.name, v.version INTO model, number FROM model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
    IF TG_OP = 'INSERT' THEN
        PERFORM modeldesk_record('request_promotion', 'approval_request', model || '@v' || number,
                                 jsonb_build_object('request_id', NEW.id, 'to', NEW.to_stage, 'reason', NEW.reason,
                                                    'gates_passed', NEW.gates_passed = 1,
                                                    'required_approvals', NEW.required_approvals),
                                 'request.created', model, number);
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM modeldesk_record(CASE NEW.status WHEN 'cancelled' THEN 'withdraw_request' ELSE 'request_' || NEW.status END,
                                 'approval_request', model || '@v' || number,
                                 jsonb_strip_nulls(jsonb_build_object(
                                     'request_id', NEW.id, 'from', OLD.status, 'to', NEW.status,
                                     'reason', nullif(current_setting('modeldesk.reason', true), ''))),
                                 NULL, NULL, NULL);
        PERFORM modeldesk_event('request.' || NEW.status, model, number,
                                jsonb_build_object('request_id', NEW.id, 'from', OLD.status, 'to', NEW.status));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_decision() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    number integer;
BEGIN
    SELECT m.name, v.version INTO model, number FROM approval_requests r JOIN model_versions v ON v.id = r.version_id
      JOIN registered_models m ON m.id = v.model_id WHERE r.id = NEW.request_id;
    PERFORM modeldesk_record(NEW.decision, 'approval_request', model || '@v' || number,
                             jsonb_build_object('request_id', NEW.request_id, 'comment', NEW.comment,
                                                'override_reason', NEW.override_reason), NULL, NULL, NULL);
    PERFORM modeldesk_event('request.decided', model, number,
                            jsonb_build_object('request_id', NEW.request_id, 'decision', NEW.decision,
                                               'comment', NEW.comment, 'override_reason', NEW.override_reason));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_alias() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text := (SELECT name FROM registered_models WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.model_id ELSE NEW.model_id END);
    before jsonb;
    after jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        before := jsonb_build_object('version', (SELECT version FROM model_versions WHERE id = OLD.version_id),
                                     'protected', OLD.protected = 1, 'follows', OLD.follows);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := jsonb_build_object('version', (SELECT version FROM model_versions WHERE id = NEW.version_id),
                                    'protected', NEW.protected = 1, 'follows', NEW.follows);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM modeldesk_record('remove_alias', 'alias', model || '#' || OLD.alias, jsonb_build_object('before', before),
                                 NULL, NULL, NULL);
        PERFORM modeldesk_event('alias.removed', model, (before ->> 'version')::integer,
                                jsonb_build_object('alias', OLD.alias, 'from', (before ->> 'version')::integer));
        RETURN NULL;
    END IF;
    PERFORM modeldesk_record(CASE WHEN TG_OP = 'UPDATE' AND OLD.version_id <> NEW.version_id AND NEW.follows = 'production'
                                       AND OLD.follows = 'production' THEN 'move_alias' ELSE 'set_alias' END,
                             'alias', model || '#' || NEW.alias,
                             jsonb_build_object('alias', NEW.alias, 'before', before, 'after', after), NULL, NULL, NULL);
    IF TG_OP = 'INSERT' OR OLD.version_id <> NEW.version_id THEN
        PERFORM modeldesk_event('alias.moved', model, (after ->> 'version')::integer,
                                jsonb_build_object('alias', NEW.alias, 'from', (before ->> 'version')::integer,
                                                   'to', (after ->> 'version')::integer,
                                                   'follows', nullif(NEW.follows, ''), 'protected', NEW.protected = 1));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_tag() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    r jsonb := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
    model text;
    number integer;
    otype text;
    okey text;
BEGIN
    IF TG_TABLE_NAME = 'version_tags' AND TG_OP = 'INSERT'
       AND coalesce(current_setting('modeldesk.registering', true), '') = r ->> 'version_id' THEN
        RETURN NULL; -- tags given at registration are part of its register_version entry
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.value IS NOT DISTINCT FROM NEW.value AND OLD.key = NEW.key THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'version_tags' THEN
        SELECT m.name, v.version INTO model, number FROM model_versions v JOIN registered_models m ON m.id = v.model_id
         WHERE v.id = (r ->> 'version_id')::bigint;
        otype := 'model_version';
        okey := model || '@v' || number;
    ELSE
        SELECT m.name INTO model FROM registered_models m WHERE m.id = (r ->> 'model_id')::bigint;
        otype := 'model';
        okey := model;
    END IF;
    -- The same action names and before/after maps as the client's entries on SQLite (one key here).
    PERFORM modeldesk_record(CASE WHEN TG_TABLE_NAME = 'version_tags' THEN 'set_version_tags' ELSE 'set_model_tags' END,
                             otype, okey,
                             jsonb_build_object(
                                 'before', CASE WHEN TG_OP = 'INSERT' THEN '{}'::jsonb ELSE jsonb_build_object(OLD.key, OLD.value) END,
                                 'after', CASE WHEN TG_OP = 'DELETE' THEN '{}'::jsonb ELSE jsonb_build_object(NEW.key, NEW.value) END),
                             NULL, NULL, NULL);
    PERFORM modeldesk_event(CASE WHEN TG_OP = 'DELETE' THEN 'tag.removed' ELSE 'tag.set' END, model, number,
                            jsonb_build_object('on', CASE WHEN TG_TABLE_NAME = 'version_tags' THEN 'version' ELSE 'model' END,
                                               'key', r ->> 'key',
                                               'value', CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.value END,
                                               'previous', CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.value END));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_setting() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    r jsonb := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
    scope text;
    okey text;
BEGIN
    IF TG_TABLE_NAME IN ('gate_policies', 'metric_directions') THEN
        scope := CASE WHEN (r ->> 'model_id')::bigint = 0 THEN '*'
                      ELSE (SELECT name FROM registered_models WHERE id = (r ->> 'model_id')::bigint) END;
        okey := scope || '#' || coalesce(r ->> 'transition', r ->> 'metric');
    ELSE
        okey := r ->> 'key';
    END IF;
    PERFORM modeldesk_record(TG_ARGV[0] || CASE TG_OP WHEN 'DELETE' THEN '_removed' ELSE '' END, TG_ARGV[1], okey,
                             jsonb_build_object('before', CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
                                                'after', CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END),
                             NULL, NULL, NULL);
    -- (Trigger arguments are text: registry_info's "NULL" arrives as 'null', and 006 wrote it as an event type.)
    IF TG_TABLE_NAME IN ('gate_policies', 'metric_directions') THEN
        PERFORM modeldesk_event(TG_ARGV[2], nullif(scope, '*'), NULL,
                                jsonb_build_object('policy', CASE TG_TABLE_NAME WHEN 'gate_policies' THEN 'gates'
                                                                 ELSE 'metric_direction' END,
                                                   'key', coalesce(r ->> 'transition', r ->> 'metric')));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION modeldesk_audit_deployment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    number integer;
    stage text;
BEGIN
    SELECT m.name, v.version, v.stage INTO model, number, stage
      FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = NEW.version_id;
    PERFORM modeldesk_record('report_deployment', 'deployment', NEW.service || '/' || NEW.environment,
                             jsonb_build_object('service', NEW.service, 'environment', NEW.environment, 'model', model,
                                                'version', number), NULL, NULL, NULL);
    PERFORM modeldesk_event('deployment.reported', model, number,
                            jsonb_build_object('service', NEW.service, 'environment', NEW.environment, 'stage', stage));
    IF stage <> 'Production' THEN
        PERFORM modeldesk_event('shadow.detected', model, number,
                                jsonb_build_object('service', NEW.service, 'environment', NEW.environment,
                                                   'stage', stage));
    END IF;
    RETURN NULL;
END;
$$;

-- ---- webhooks ------------------------------------------------------------------------------------------

CREATE TABLE webhooks (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    url             TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    events          TEXT NOT NULL CHECK (length(events) > 0), -- comma-separated types, 'version.*' or '*'
    model           TEXT,                                     -- NULL: every model
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    cursor          BIGINT NOT NULL DEFAULT 0                 -- the last outbox event queued for it
);
CREATE TRIGGER webhooks_stamp BEFORE INSERT ON webhooks
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('created_at', 'insert');
CREATE TRIGGER webhooks_created_by BEFORE INSERT ON webhooks
    FOR EACH ROW EXECUTE FUNCTION modeldesk_set_created_by();
CREATE FUNCTION modeldesk_webhook_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at OR NEW.created_by <> OLD.created_by THEN
        RAISE EXCEPTION 'modeldesk: a webhook''s id, creation time and creator never change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER webhooks_identity BEFORE UPDATE ON webhooks
    FOR EACH ROW EXECUTE FUNCTION modeldesk_webhook_identity();

CREATE TABLE webhook_secrets (
    webhook_id BIGINT PRIMARY KEY REFERENCES webhooks(id) ON DELETE CASCADE,
    secret     BYTEA NOT NULL CHECK (length(secret) >= 16)
);

CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        BIGINT NOT NULL REFERENCES outbox_events(id),
    model           TEXT NOT NULL DEFAULT '',
    redelivery_of   BIGINT REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
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
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT NOT NULL DEFAULT '',
    response    TEXT NOT NULL DEFAULT '',
    deliverer   TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

-- Adding, removing, disabling or re-enabling a webhook is audited (never its secret, never the cursor: the
-- queue's bookkeeping, with the deliveries and attempts, is the deliverer's and not audited).
CREATE FUNCTION modeldesk_audit_webhook() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    r webhooks := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
    PERFORM modeldesk_record(CASE WHEN TG_OP = 'INSERT' THEN 'add_webhook' WHEN TG_OP = 'DELETE' THEN 'remove_webhook'
                                  WHEN NEW.active = 0 THEN 'disable_webhook' ELSE 'update_webhook' END,
                             'webhook', r.id::text,
                             jsonb_build_object('url', r.url, 'events', r.events, 'model', r.model, 'active', r.active = 1,
                                                'disabled_reason', r.disabled_reason), NULL, NULL, NULL);
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhooks_audit AFTER INSERT OR DELETE ON webhooks
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_webhook();
CREATE TRIGGER webhooks_audit_change AFTER UPDATE ON webhooks
    FOR EACH ROW WHEN (OLD.url IS DISTINCT FROM NEW.url OR OLD.events IS DISTINCT FROM NEW.events
                       OR OLD.model IS DISTINCT FROM NEW.model OR OLD.active IS DISTINCT FROM NEW.active
                       OR OLD.disabled_reason IS DISTINCT FROM NEW.disabled_reason)
    EXECUTE FUNCTION modeldesk_audit_webhook();

GRANT SELECT ON webhooks, webhook_deliveries, webhook_attempts TO modeldesk_reader, modeldesk_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks, webhook_secrets, webhook_deliveries, webhook_attempts
    TO modeldesk_admin;

DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'modeldesk\_%' AND n.nspname = current_schema() LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f.signature, current_schema());
    END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION modeldesk_event(text, text, integer, jsonb), modeldesk_audit_webhook(), modeldesk_webhook_identity(),
    modeldesk_notify_events() FROM PUBLIC;

DO $$
DECLARE
    o record;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN;
    END IF;
    FOR o IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname LIKE 'webhook%' LOOP
        EXECUTE format('ALTER TABLE %I OWNER TO modeldesk_owner', o.relname);
    END LOOP;
    FOR o IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'modeldesk\_%' AND n.nspname = current_schema() LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO modeldesk_owner', o.signature);
    END LOOP;
END;
$$;
