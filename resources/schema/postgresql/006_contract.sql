-- ModelDesk registry schema v6 (PostgreSQL): the database guards the contract.
-- * Login roles no longer write lifecycle tables. Stage changes, requests, decisions, aliases, gate
--   policies, metric directions and model settings go through the SECURITY DEFINER functions below,
--   owned by the NOLOGIN role modeldesk_owner, which check the caller (session_user) and write the
--   change; the row triggers stay as the last line of defence.
-- * The database writes the audit log and the outbox: an AFTER trigger on every audited table appends the
--   entry (actor = session user, time = database clock, before/after values) and computes the chain
--   hash; nobody holds INSERT on audit_log or outbox_events.
-- * Every timestamp is the database's (modeldesk_now()), never the client's. Timestamps stay ISO-8601
--   UTC text, as on SQLite, so that audit hashes and exports are identical on both dialects.
-- * An approval request's status, gate report, baseline and required approvals are computed by the
--   database from the stored policy and metrics (modeldesk_gate_report), whoever inserts it; the
--   staging gates run in the database too.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'modeldesk_owner') THEN
        BEGIN
            CREATE ROLE modeldesk_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END;
$$;

-- The database clock as a registry timestamp. A superuser may set modeldesk.clock for the transaction
-- (the demo generator writes a history); for everyone else the setting is ignored.
CREATE FUNCTION modeldesk_now() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    forced text := current_setting('modeldesk.clock', true);
BEGIN
    IF coalesce(forced, '') <> '' AND (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RETURN forced;
    END IF;
    RETURN to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
END;
$$;

-- Sets the timestamp column TG_ARGV[0]: on INSERT, and on UPDATE too when TG_ARGV[1] = 'always';
-- otherwise an UPDATE keeps the stored value.
CREATE FUNCTION modeldesk_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR TG_ARGV[1] = 'always' THEN
        NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], modeldesk_now()));
    ELSE
        NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], to_jsonb(OLD) -> TG_ARGV[0]));
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER namespaces_stamp BEFORE INSERT OR UPDATE ON namespaces
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('created_at', 'insert');
CREATE TRIGGER registered_models_stamp BEFORE INSERT OR UPDATE ON registered_models
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('created_at', 'insert');
CREATE TRIGGER lineage_nodes_stamp BEFORE INSERT OR UPDATE ON lineage_nodes
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('created_at', 'insert');
CREATE TRIGGER lineage_edges_stamp BEFORE INSERT OR UPDATE ON lineage_edges
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('created_at', 'insert');
CREATE TRIGGER stage_transitions_stamp BEFORE INSERT ON stage_transitions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('at', 'insert');
CREATE TRIGGER approval_decisions_stamp BEFORE INSERT ON approval_decisions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('at', 'insert');
CREATE TRIGGER aliases_stamp BEFORE INSERT OR UPDATE ON aliases
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('updated_at', 'always');
CREATE TRIGGER gate_policies_stamp BEFORE INSERT OR UPDATE ON gate_policies
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('updated_at', 'always');
CREATE TRIGGER metric_directions_stamp BEFORE INSERT OR UPDATE ON metric_directions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('updated_at', 'always');
CREATE TRIGGER deployments_stamp BEFORE INSERT OR UPDATE ON deployments
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('reported_at', 'insert');
CREATE TRIGGER outbox_events_stamp BEFORE INSERT OR UPDATE ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION modeldesk_stamp('created_at', 'insert');

-- A version's times: registered now; stage_changed_at moves only with the stage.
CREATE FUNCTION modeldesk_version_times() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := modeldesk_now();
        NEW.stage_changed_at := NEW.created_at;
    ELSIF NEW.stage IS DISTINCT FROM OLD.stage THEN
        NEW.stage_changed_at := modeldesk_now();
    ELSE
        NEW.stage_changed_at := OLD.stage_changed_at;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER model_versions_times BEFORE INSERT OR UPDATE ON model_versions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_version_times();

-- Version numbers come from the model's counter, one after another: registering takes the next number
-- (last_version + 1, which locks the model row), and a version is inserted with exactly that number.
CREATE FUNCTION modeldesk_version_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'registered_models' THEN
        IF TG_OP = 'INSERT' AND NEW.last_version <> 0 THEN
            RAISE EXCEPTION 'modeldesk: a new model starts with no versions (last_version 0)'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.last_version NOT IN (OLD.last_version, OLD.last_version + 1) THEN
            RAISE EXCEPTION 'modeldesk: version numbers are taken one at a time (last_version % cannot become %)',
                OLD.last_version, NEW.last_version USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.version IS DISTINCT FROM (SELECT last_version FROM registered_models WHERE id = NEW.model_id) THEN
        RAISE EXCEPTION 'modeldesk: the version is out of sequence: % is not the number just taken; registering takes the next number (last_version + 1)',
            NEW.version USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER registered_models_version_sequence BEFORE INSERT OR UPDATE ON registered_models
    FOR EACH ROW EXECUTE FUNCTION modeldesk_version_sequence();
CREATE TRIGGER model_versions_version_sequence BEFORE INSERT ON model_versions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_version_sequence();

-- At commit, a number taken is a version registered: no gaps, and no unaudited bump of the counter.
CREATE FUNCTION modeldesk_number_used() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    taken integer := (SELECT last_version FROM registered_models WHERE id = NEW.id);
BEGIN
    IF taken > 0 AND NOT EXISTS (SELECT 1 FROM model_versions WHERE model_id = NEW.id AND version = taken) THEN
        RAISE EXCEPTION 'modeldesk: version number % of % was taken without registering a version', taken, NEW.name
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER registered_models_number_used AFTER UPDATE OF last_version ON registered_models
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION modeldesk_number_used();

-- A version is registered and sealed in one transaction: at commit, no version is left unsealed (its
-- metrics, params and facts could be added later, and it would have no register_version entry).
CREATE FUNCTION modeldesk_sealed_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.id AND sealed = 0) THEN
        RAISE EXCEPTION 'modeldesk: % was not sealed: a version is registered and sealed in one transaction',
            modeldesk_version_key(NEW.id) USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER model_versions_sealed_at_commit AFTER INSERT ON model_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION modeldesk_sealed_at_commit();

-- References stay within one model.
CREATE FUNCTION modeldesk_same_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.version_id AND model_id = NEW.model_id) THEN
        RAISE EXCEPTION 'modeldesk: % names a version of another model', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER deployments_same_model BEFORE INSERT ON deployments
    FOR EACH ROW EXECUTE FUNCTION modeldesk_same_model();
CREATE TRIGGER aliases_same_model BEFORE INSERT OR UPDATE ON aliases
    FOR EACH ROW EXECUTE FUNCTION modeldesk_same_model();

-- The approval that completes a request reads back what it archived (Registry::decideInDatabase).
CREATE INDEX stage_transitions_approval ON stage_transitions(approval_id) WHERE approval_id IS NOT NULL;

-- "model@vN" of a version id.
CREATE FUNCTION modeldesk_version_key(p_version bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT m.name || '@v' || v.version FROM model_versions v JOIN registered_models m ON m.id = v.model_id
    WHERE v.id = p_version
$$;

-- Appends one audit entry (and, when p_event is given, one outbox event) for the current change. The
-- chain is serialised by the registry's writer lock, which ModelDesk clients take anyway.
CREATE FUNCTION modeldesk_record(p_action text, p_type text, p_key text, p_details jsonb, p_event text,
                                 p_model text, p_version integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    prev text;
    stamp text := modeldesk_now();
    body text := coalesce(p_details, '{}'::jsonb)::text;
    actor text := session_user::text;
    chained text;
BEGIN
    PERFORM pg_advisory_xact_lock(1835299691); -- 0x6d64736b, the registry writer lock
    SELECT a.hash INTO prev FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    chained := encode(sha256(convert_to(prev || chr(31) || stamp || chr(31) || actor || chr(31) || p_action || chr(31)
                                        || p_type || chr(31) || coalesce(p_key, '') || chr(31) || body, 'UTF8')), 'hex');
    INSERT INTO audit_log (at, actor, action, object_type, object_key, details, prev_hash, hash)
        VALUES (stamp, actor, p_action, p_type, coalesce(p_key, ''), body, prev, chained);
    IF p_event IS NOT NULL THEN
        INSERT INTO outbox_events (event_type, payload, created_at)
            VALUES (p_event, jsonb_build_object('type', p_event, 'at', stamp, 'actor', actor, 'model', p_model,
                                                'version', p_version, 'data', coalesce(p_details, '{}'::jsonb))::text,
                    stamp);
    END IF;
END;
$$;

-- ---------------------------------------------------------------------------------------------------
-- Audit and outbox triggers (AFTER, per row). They run as the owner: a role that may change a row
-- never needs (nor gets) INSERT on the log.

CREATE FUNCTION modeldesk_audit_model() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM modeldesk_record('create_model', 'model', NEW.name,
                                 jsonb_build_object('namespace', (SELECT name FROM namespaces WHERE id = NEW.namespace_id)),
                                 'model.created', NEW.name, NULL);
        RETURN NULL;
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        PERFORM modeldesk_record('describe_model', 'model', NEW.name,
                                 jsonb_build_object('before', OLD.description, 'after', NEW.description),
                                 'model.updated', NEW.name, NULL);
    END IF;
    IF NEW.max_production IS DISTINCT FROM OLD.max_production THEN
        PERFORM modeldesk_record('set_max_production', 'model', NEW.name,
                                 jsonb_build_object('before', OLD.max_production, 'after', NEW.max_production),
                                 'model.updated', NEW.name, NULL);
    END IF;
    IF NEW.owner IS DISTINCT FROM OLD.owner OR NEW.name IS DISTINCT FROM OLD.name
       OR NEW.namespace_id IS DISTINCT FROM OLD.namespace_id THEN
        PERFORM modeldesk_record('update_model', 'model', NEW.name,
                                 jsonb_build_object('before', to_jsonb(OLD) - 'last_version', 'after',
                                                    to_jsonb(NEW) - 'last_version'),
                                 'model.updated', NEW.name, NULL);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER registered_models_audit AFTER INSERT OR UPDATE ON registered_models
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_model();

CREATE FUNCTION modeldesk_audit_namespace() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_record(CASE TG_OP WHEN 'INSERT' THEN 'create_namespace' ELSE 'update_namespace' END,
                             'namespace', NEW.name, to_jsonb(NEW), NULL, NULL, NULL);
    RETURN NULL;
END;
$$;
CREATE TRIGGER namespaces_audit AFTER INSERT OR UPDATE ON namespaces
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_namespace();

-- A new version: the database records its registration transition. Sealing it (the end of
-- registration) writes the register_version entry, with what was registered.
CREATE FUNCTION modeldesk_version_registered() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason)
        VALUES (NEW.id, '', 'None', 'register', session_user::text, NEW.created_at, '');
    PERFORM set_config('modeldesk.registering', NEW.id::text, true);
    RETURN NULL;
END;
$$;
CREATE TRIGGER model_versions_registered AFTER INSERT ON model_versions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_version_registered();

-- What a version was registered with: its metrics, params and facts as text, sorted byte-wise, hashed
-- (audit.cpp, versionContentDigest, computes the same; `audit verify` compares).
CREATE FUNCTION modeldesk_content_digest(p_version bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(coalesce((SELECT string_agg(c.x, chr(30) ORDER BY c.x COLLATE "C") FROM (
        SELECT 'm' || chr(31) || name || chr(31) || dataset || chr(31) || slice || chr(31) || value::text AS x
          FROM metrics WHERE version_id = p_version
        UNION ALL SELECT 'p' || chr(31) || name || chr(31) || value FROM params WHERE version_id = p_version
        UNION ALL SELECT 'f' || chr(31) || category || chr(31) || name || chr(31) || value FROM facts
         WHERE version_id = p_version) c), ''), 'UTF8')), 'hex')
$$;

CREATE FUNCTION modeldesk_audit_version() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text := (SELECT name FROM registered_models WHERE id = NEW.model_id);
    vkey text := model || '@v' || NEW.version;
BEGIN
    IF NEW.sealed = 1 AND OLD.sealed = 0 THEN
        PERFORM modeldesk_record('register_version', 'model_version', vkey,
                                 jsonb_strip_nulls(jsonb_build_object(
                                     'artifact_uri', NEW.artifact_uri, 'artifact_digest', NEW.artifact_digest,
                                     'metrics', (SELECT count(*) FROM metrics WHERE version_id = NEW.id),
                                     'params', (SELECT count(*) FROM params WHERE version_id = NEW.id),
                                     'facts', (SELECT count(*) FROM facts WHERE version_id = NEW.id),
                                     'content', modeldesk_content_digest(NEW.id))),
                                 'version.registered', model, NEW.version);
        PERFORM set_config('modeldesk.registering', '', true);
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        PERFORM modeldesk_record('describe_version', 'model_version', vkey,
                                 jsonb_build_object('before', OLD.description, 'after', NEW.description),
                                 'version.updated', model, NEW.version);
    END IF;
    IF NEW.rollback_excluded IS DISTINCT FROM OLD.rollback_excluded THEN
        PERFORM modeldesk_record(CASE WHEN NEW.rollback_excluded = 1 THEN 'set_rollback_mark' ELSE 'clear_rollback_mark' END,
                                 'model_version', vkey, jsonb_build_object('rollback_excluded', NEW.rollback_excluded),
                                 'version.updated', model, NEW.version);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER model_versions_audit AFTER UPDATE ON model_versions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_version();

CREATE FUNCTION modeldesk_audit_transition() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    number integer;
BEGIN
    IF NEW.kind = 'register' THEN
        RETURN NULL; -- recorded by register_version when the version is sealed
    END IF;
    SELECT m.name, v.version INTO model, number FROM model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
    PERFORM modeldesk_record('stage_' || NEW.kind, 'model_version', model || '@v' || number,
                             jsonb_build_object('from', NEW.from_stage, 'to', NEW.to_stage, 'kind', NEW.kind,
                                                'reason', NEW.reason, 'approval_id', NEW.approval_id),
                             'version.stage_changed', model, number);
    RETURN NULL;
END;
$$;
CREATE TRIGGER stage_transitions_audit AFTER INSERT ON stage_transitions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_transition();

CREATE FUNCTION modeldesk_audit_request() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
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
                                 'request.' || NEW.status, model, number);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER approval_requests_audit AFTER INSERT OR UPDATE ON approval_requests
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_request();

CREATE FUNCTION modeldesk_audit_decision() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    number integer;
BEGIN
    SELECT m.name, v.version INTO model, number FROM approval_requests r JOIN model_versions v ON v.id = r.version_id
      JOIN registered_models m ON m.id = v.model_id WHERE r.id = NEW.request_id;
    PERFORM modeldesk_record(NEW.decision, 'approval_request', model || '@v' || number,
                             jsonb_build_object('request_id', NEW.request_id, 'comment', NEW.comment,
                                                'override_reason', NEW.override_reason),
                             'request.decision', model, number);
    RETURN NULL;
END;
$$;
CREATE TRIGGER approval_decisions_audit AFTER INSERT ON approval_decisions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_decision();

CREATE FUNCTION modeldesk_audit_alias() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
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
                                 'alias.removed', model, (before ->> 'version')::integer);
        RETURN NULL;
    END IF;
    PERFORM modeldesk_record(CASE WHEN TG_OP = 'UPDATE' AND OLD.version_id <> NEW.version_id AND NEW.follows = 'production'
                                       AND OLD.follows = 'production' THEN 'move_alias' ELSE 'set_alias' END,
                             'alias', model || '#' || NEW.alias,
                             jsonb_build_object('alias', NEW.alias, 'before', before, 'after', after),
                             'alias.moved', model, (after ->> 'version')::integer);
    RETURN NULL;
END;
$$;
CREATE TRIGGER aliases_audit AFTER INSERT OR UPDATE OR DELETE ON aliases
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_alias();

CREATE FUNCTION modeldesk_audit_tag() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
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
                             CASE WHEN TG_OP = 'DELETE' THEN 'tag.removed' ELSE 'tag.set' END, model, number);
    RETURN NULL;
END;
$$;
CREATE TRIGGER version_tags_audit AFTER INSERT OR UPDATE OR DELETE ON version_tags
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_tag();
CREATE TRIGGER model_tags_audit AFTER INSERT OR UPDATE OR DELETE ON model_tags
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_tag();

-- Settings tables (gate policies, metric directions, registry_info): the row before and after.
CREATE FUNCTION modeldesk_audit_setting() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
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
                             TG_ARGV[2], nullif(scope, '*'), NULL);
    RETURN NULL;
END;
$$;
CREATE TRIGGER gate_policies_audit AFTER INSERT OR UPDATE OR DELETE ON gate_policies
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_setting('set_gate_policy', 'gate_policy', 'policy.changed');
CREATE TRIGGER metric_directions_audit AFTER INSERT OR UPDATE OR DELETE ON metric_directions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_setting('set_metric_direction', 'metric_direction', 'policy.changed');
CREATE TRIGGER registry_info_audit AFTER INSERT OR UPDATE OR DELETE ON registry_info
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_setting('set_registry_info', 'registry', NULL);

CREATE FUNCTION modeldesk_audit_schema_version() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_record('migrate', 'schema', 'schema_version',
                             jsonb_build_object('before', CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
                                                'after', CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END),
                             NULL, NULL, NULL);
    RETURN NULL;
END;
$$;
CREATE TRIGGER schema_version_audit AFTER INSERT OR UPDATE OR DELETE ON schema_version
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_schema_version();
CREATE TRIGGER schema_version_no_truncate BEFORE TRUNCATE ON schema_version
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('the schema version history is kept');
CREATE TRIGGER registry_info_no_truncate BEFORE TRUNCATE ON registry_info
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('registry_info is changed row by row, audited');

CREATE FUNCTION modeldesk_audit_deployment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    model text;
    number integer;
BEGIN
    SELECT m.name, v.version INTO model, number FROM model_versions v JOIN registered_models m ON m.id = v.model_id
     WHERE v.id = NEW.version_id;
    PERFORM modeldesk_record('report_deployment', 'deployment', NEW.service || '/' || NEW.environment,
                             jsonb_build_object('service', NEW.service, 'environment', NEW.environment, 'model', model,
                                                'version', number),
                             'deployment.reported', model, number);
    RETURN NULL;
END;
$$;
CREATE TRIGGER deployments_audit AFTER INSERT ON deployments
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_deployment();
CREATE TRIGGER deployments_no_change BEFORE UPDATE OR DELETE ON deployments
    FOR EACH ROW EXECUTE FUNCTION modeldesk_refuse('deployment reports are append-only');
CREATE TRIGGER deployments_no_truncate BEFORE TRUNCATE ON deployments
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('deployment reports are append-only');

-- Lineage written while a version registers is part of that registration's entry; any other lineage
-- write has its own.
CREATE FUNCTION modeldesk_audit_lineage() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF coalesce(current_setting('modeldesk.registering', true), '') <> '' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'lineage_nodes' THEN
        PERFORM modeldesk_record('add_lineage_node', 'lineage_node', NEW.kind || ':' || NEW.name || ':' || NEW.version,
                                 to_jsonb(NEW), NULL, NULL, NULL);
    ELSE
        PERFORM modeldesk_record('add_lineage_edge', 'lineage_edge', NEW.src_id || '->' || NEW.dst_id,
                                 to_jsonb(NEW), NULL, NULL, NULL);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER lineage_nodes_audit AFTER INSERT ON lineage_nodes
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_lineage();
CREATE TRIGGER lineage_edges_audit AFTER INSERT ON lineage_edges
    FOR EACH ROW EXECUTE FUNCTION modeldesk_audit_lineage();
CREATE TRIGGER lineage_nodes_no_change BEFORE UPDATE OR DELETE ON lineage_nodes
    FOR EACH ROW EXECUTE FUNCTION modeldesk_refuse('lineage is append-only');
CREATE TRIGGER lineage_edges_no_change BEFORE UPDATE OR DELETE ON lineage_edges
    FOR EACH ROW EXECUTE FUNCTION modeldesk_refuse('lineage is append-only');
CREATE TRIGGER lineage_nodes_no_truncate BEFORE TRUNCATE ON lineage_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('lineage is append-only');
CREATE TRIGGER lineage_edges_no_truncate BEFORE TRUNCATE ON lineage_edges
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('lineage is append-only');

CREATE TRIGGER outbox_events_no_change BEFORE UPDATE OR DELETE ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION modeldesk_refuse('the outbox is written by the database only');
CREATE TRIGGER outbox_events_no_truncate BEFORE TRUNCATE ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('the outbox is written by the database only');
CREATE TRIGGER approval_requests_no_truncate BEFORE TRUNCATE ON approval_requests
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('approval requests cannot be deleted');
CREATE TRIGGER registered_models_no_delete BEFORE DELETE ON registered_models
    FOR EACH ROW EXECUTE FUNCTION modeldesk_refuse('models cannot be deleted');
CREATE TRIGGER registered_models_no_truncate BEFORE TRUNCATE ON registered_models
    FOR EACH STATEMENT EXECUTE FUNCTION modeldesk_refuse('models cannot be deleted');

-- ---------------------------------------------------------------------------------------------------
-- Gates evaluated by the database (the same rules as models/registry/gates.cpp; numbers printed as
-- QString::number(x, 'g', 6) prints them between 1e-4 and 1e6).

CREATE FUNCTION modeldesk_num(x double precision) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x IS NULL THEN NULL
                WHEN x = 0 THEN '0'
                WHEN abs(x) >= 1e-4 AND abs(x) < 1e6
                    THEN trim_scale(round(x::numeric, greatest(0, 5 - floor(log(abs(x)::numeric))::integer)))::text
                ELSE x::text END
$$;

-- Whether higher values of a metric are better: the model's direction, the registry's, a direction
-- written into a rule before v4, else the metric's name (policy::defaultMetricDirection).
CREATE FUNCTION modeldesk_higher_is_better(p_model bigint, p_metric text, p_legacy jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT d.direction = 'higher' FROM metric_directions d WHERE d.model_id IN (p_model, 0) AND d.metric = p_metric
          ORDER BY d.model_id DESC LIMIT 1),
        CASE WHEN jsonb_typeof(p_legacy) = 'boolean' THEN p_legacy = 'true'::jsonb END,
        NOT (regexp_split_to_array(lower(regexp_replace(p_metric, '([a-z0-9])([A-Z])', '\1 \2', 'g')), '[^a-z0-9]+')
             && ARRAY['loss', 'logloss', 'latency', 'error', 'errors', 'rmse', 'mae', 'mse', 'mape', 'time',
                      'duration', 'perplexity', 'fpr', 'fnr', 'cost', 'ms', 'seconds', 'wer', 'cer', 'brier',
                      'regret', 'drift', 'bias']))
$$;

CREATE FUNCTION modeldesk_gate_report(p_version bigint, p_transition text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    cand record;
    base record;
    pol jsonb;
    r jsonb;
    results jsonb := '[]'::jsonb;
    all_passed boolean := true;
    passed boolean;
    actual text;
    expected text;
    label text;
    mkey text;
    m double precision;
    b double precision;
    threshold double precision;
    tolerance double precision;
    bound double precision;
    higher boolean;
    missing text[];
    hours double precision;
    h double precision;
BEGIN
    SELECT v.id, v.model_id, v.version, v.stage, v.stage_changed_at INTO cand FROM model_versions v WHERE v.id = p_version;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'modeldesk: there is no model version with id %', p_version USING ERRCODE = 'no_data_found';
    END IF;
    SELECT g.policy::jsonb INTO pol FROM gate_policies g WHERE g.model_id IN (cand.model_id, 0)
       AND g.transition = p_transition ORDER BY g.model_id DESC LIMIT 1;
    pol := coalesce(pol, '{}'::jsonb);
    SELECT v.id, v.version INTO base FROM model_versions v
     WHERE v.model_id = cand.model_id AND v.stage = 'Production' AND v.id <> cand.id ORDER BY v.version DESC LIMIT 1;
    FOR r IN SELECT value FROM jsonb_array_elements(coalesce(pol -> 'rules', '[]'::jsonb)) LOOP
        mkey := coalesce(r ->> 'metric', '')
                || CASE WHEN coalesce(r ->> 'dataset', '') <> '' THEN '@' || (r ->> 'dataset') ELSE '' END
                || CASE WHEN coalesce(r ->> 'slice', '') <> '' THEN '[' || (r ->> 'slice') || ']' ELSE '' END;
        m := NULL;
        IF r ->> 'kind' IN ('metric_min', 'metric_max', 'no_regression') THEN
            SELECT x.value INTO m FROM metrics x WHERE x.version_id = cand.id AND x.name = r ->> 'metric'
               AND x.dataset = coalesce(r ->> 'dataset', '') AND x.slice = coalesce(r ->> 'slice', '');
            actual := coalesce(modeldesk_num(m), 'missing');
        END IF;
        CASE r ->> 'kind'
        WHEN 'metric_min', 'metric_max' THEN
            threshold := (r ->> 'threshold')::double precision;
            expected := CASE WHEN r ->> 'kind' = 'metric_min' THEN '>= ' ELSE '<= ' END || modeldesk_num(threshold);
            label := mkey || ' ' || expected;
            passed := m IS NOT NULL AND CASE WHEN r ->> 'kind' = 'metric_min' THEN m >= threshold ELSE m <= threshold END;
        WHEN 'no_regression' THEN
            tolerance := coalesce((r ->> 'tolerance')::double precision, 0);
            higher := modeldesk_higher_is_better(cand.model_id, r ->> 'metric', r -> 'higher_is_better');
            label := mkey || ' no regression vs Production (tolerance ' || modeldesk_num(tolerance) || ', '
                     || CASE WHEN higher THEN 'higher' ELSE 'lower' END || ' is better)';
            b := NULL;
            IF base.id IS NOT NULL THEN
                SELECT x.value INTO b FROM metrics x WHERE x.version_id = base.id AND x.name = r ->> 'metric'
                   AND x.dataset = coalesce(r ->> 'dataset', '') AND x.slice = coalesce(r ->> 'slice', '');
            END IF;
            IF base.id IS NULL THEN
                expected := 'no Production baseline';
                passed := m IS NOT NULL;
            ELSIF b IS NULL THEN
                expected := 'baseline v' || base.version || ' has no ' || mkey;
                passed := m IS NOT NULL;
            ELSE
                bound := CASE WHEN higher THEN b - tolerance ELSE b + tolerance END;
                expected := CASE WHEN higher THEN '>= ' ELSE '<= ' END || modeldesk_num(bound) || ' (v' || base.version
                            || ' has ' || modeldesk_num(b) || ')';
                passed := m IS NOT NULL AND CASE WHEN higher THEN m >= bound ELSE m <= bound END;
            END IF;
        WHEN 'required_facts', 'required_tags' THEN
            SELECT array_agg(t.value ORDER BY t.ord) INTO missing
              FROM jsonb_array_elements_text(r -> CASE WHEN r ->> 'kind' = 'required_facts' THEN 'facts' ELSE 'tags' END)
                   WITH ORDINALITY AS t(value, ord)
             WHERE CASE WHEN r ->> 'kind' = 'required_facts'
                        THEN NOT EXISTS (SELECT 1 FROM facts f WHERE f.version_id = cand.id
                                            AND f.category || '.' || f.name = t.value)
                        ELSE NOT EXISTS (SELECT 1 FROM version_tags g WHERE g.version_id = cand.id AND g.key = t.value)
                   END;
            label := CASE WHEN r ->> 'kind' = 'required_facts' THEN 'provenance facts present: ' ELSE 'tags present: ' END
                     || (SELECT string_agg(t.value, ', ' ORDER BY t.ord)
                           FROM jsonb_array_elements_text(r -> CASE WHEN r ->> 'kind' = 'required_facts' THEN 'facts'
                                                                ELSE 'tags' END) WITH ORDINALITY AS t(value, ord));
            expected := 'all present';
            passed := missing IS NULL;
            actual := CASE WHEN missing IS NULL THEN 'all present' ELSE 'missing ' || array_to_string(missing, ', ') END;
        WHEN 'min_staging_hours' THEN
            hours := (r ->> 'hours')::double precision;
            label := 'at least ' || modeldesk_num(hours) || ' h in Staging';
            expected := '>= ' || modeldesk_num(hours) || ' h';
            IF cand.stage <> 'Staging' THEN
                actual := 'not in Staging';
                passed := false;
            ELSE
                h := floor(extract(epoch FROM clock_timestamp() - cand.stage_changed_at::timestamptz)) / 3600.0;
                actual := to_char(h, 'FM999999990.0') || ' h';
                passed := h >= hours;
            END IF;
        ELSE
            RAISE EXCEPTION 'modeldesk: the stored % gate policy has a rule of unknown kind %', p_transition, r ->> 'kind'
                USING ERRCODE = 'data_exception';
        END CASE;
        all_passed := all_passed AND passed;
        results := results || jsonb_build_array(jsonb_build_object('rule', label, 'passed', passed, 'actual', actual,
                                                                   'expected', expected));
    END LOOP;
    RETURN jsonb_build_object('passed', all_passed, 'baseline_version', base.version,
                              'approvals_required', coalesce((pol ->> 'approvals')::integer, 1), 'results', results);
END;
$$;

-- A new request: whatever the client wrote, it starts pending, now, with the database's gate report.
CREATE FUNCTION modeldesk_request_contract() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    report jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.decided_at := CASE WHEN NEW.status IS DISTINCT FROM OLD.status THEN modeldesk_now() ELSE OLD.decided_at END;
        RETURN NEW;
    END IF;
    IF (SELECT stage FROM model_versions WHERE id = NEW.version_id) IS DISTINCT FROM 'Staging' THEN
        RAISE EXCEPTION 'modeldesk: promotion to Production is requested for versions in Staging'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    report := modeldesk_gate_report(NEW.version_id, 'production');
    NEW.to_stage := 'Production';
    NEW.requested_at := modeldesk_now();
    NEW.status := 'pending';
    NEW.decided_at := NULL;
    NEW.gates_passed := CASE WHEN (report ->> 'passed')::boolean THEN 1 ELSE 0 END;
    NEW.gate_report := report::text;
    NEW.baseline_version := (report ->> 'baseline_version')::integer;
    NEW.required_approvals := (report ->> 'approvals_required')::integer;
    RETURN NEW;
END;
$$;
CREATE TRIGGER approval_requests_contract BEFORE INSERT OR UPDATE ON approval_requests
    FOR EACH ROW EXECUTE FUNCTION modeldesk_request_contract();

-- The staging gates hold whoever moves a version to Staging.
CREATE FUNCTION modeldesk_staging_gates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    report jsonb;
BEGIN
    IF NEW.from_stage = 'None' AND NEW.to_stage = 'Staging' THEN
        report := modeldesk_gate_report(NEW.version_id, 'staging');
        IF NOT (report ->> 'passed')::boolean THEN
            RAISE EXCEPTION 'modeldesk: % was not moved to Staging because its gates failed: %',
                modeldesk_version_key(NEW.version_id),
                (SELECT string_agg(x ->> 'rule' || ' (actual ' || (x ->> 'actual') || ')', '; ')
                   FROM jsonb_array_elements(report -> 'results') x WHERE NOT (x ->> 'passed')::boolean)
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER stage_transitions_staging_gates BEFORE INSERT ON stage_transitions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_staging_gates();

-- ---------------------------------------------------------------------------------------------------
-- The write API. Each function checks who calls it, then writes; the triggers above and before it
-- check the rest (the move table, four eyes, request states) and record the change.

CREATE FUNCTION modeldesk_require(p_roles text[], p_what text) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unnest(p_roles) r WHERE pg_has_role(session_user, 'modeldesk_' || r, 'MEMBER')) THEN
        RAISE EXCEPTION 'modeldesk: % may not %: needs %', session_user, p_what,
            (SELECT string_agg('modeldesk_' || r, ' or ') FROM unnest(p_roles) r)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END;
$$;

-- Moves a version from p_from to p_to (what the client saw; refused if the stage changed meanwhile).
-- Leaving Staging cancels the version's open request; a promotion by a request marks it promoted; the
-- version a rollback leaves is excluded from later rollback suggestions.
CREATE FUNCTION modeldesk_change_stage(p_version bigint, p_from text, p_to text, p_kind text, p_reason text,
                                       p_approval bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    current_stage text;
BEGIN
    PERFORM modeldesk_require(ARRAY['scientist', 'reviewer', 'deployer'], 'change stages');
    SELECT stage INTO current_stage FROM model_versions WHERE id = p_version FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'modeldesk: there is no model version with id %', p_version USING ERRCODE = 'no_data_found';
    END IF;
    IF current_stage IS DISTINCT FROM p_from THEN
        RAISE EXCEPTION 'modeldesk: % is in %, not %: it changed stage meanwhile', modeldesk_version_key(p_version),
            current_stage, p_from USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason, approval_id)
        VALUES (p_version, p_from, p_to, p_kind, session_user::text, '', coalesce(p_reason, ''), p_approval);
    UPDATE model_versions SET stage = p_to WHERE id = p_version;
    IF p_from = 'Staging' AND p_to <> 'Production' THEN
        UPDATE approval_requests SET status = 'cancelled' WHERE version_id = p_version AND status IN ('pending', 'approved');
    END IF;
    IF p_to = 'Production' AND p_kind = 'promote' THEN
        UPDATE approval_requests SET status = 'promoted' WHERE id = p_approval;
    END IF;
    IF p_from = 'Production' AND p_kind = 'rollback' THEN
        UPDATE model_versions SET rollback_excluded = 1 WHERE id = p_version;
    END IF;
END;
$$;

CREATE FUNCTION modeldesk_request_promotion(p_version bigint, p_reason text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    open_id bigint;
    new_id bigint;
BEGIN
    PERFORM modeldesk_require(ARRAY['scientist'], 'request promotions');
    PERFORM 1 FROM model_versions WHERE id = p_version FOR UPDATE;
    SELECT id INTO open_id FROM approval_requests WHERE version_id = p_version AND status IN ('pending', 'approved');
    IF open_id IS NOT NULL THEN
        RAISE EXCEPTION 'modeldesk: % already has an open request #%', modeldesk_version_key(p_version), open_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, reason, status, gates_passed,
                                   gate_report, required_approvals)
        VALUES (p_version, 'Production', session_user::text, '', p_reason, 'pending', 0, '{}', 1)
        RETURNING id INTO new_id;
    RETURN new_id;
END;
$$;

-- Records a decision. The approval that completes a request archives what it supersedes (oldest first,
-- down to max_production) and promotes the version, in this transaction. Returns the request's status.
CREATE FUNCTION modeldesk_decide(p_request bigint, p_decision text, p_comment text, p_override text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    req approval_requests%ROWTYPE;
    model bigint;
    number integer;
    allowed integer;
    holder record;
    approvals integer;
    excess integer;
BEGIN
    PERFORM modeldesk_require(ARRAY['reviewer'], 'decide on requests');
    SELECT * INTO req FROM approval_requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'modeldesk: there is no approval request #%', p_request USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO approval_decisions (request_id, actor, decision, comment, override_reason, at)
        VALUES (p_request, session_user::text, p_decision, p_comment,
                CASE WHEN p_decision = 'approve' THEN coalesce(p_override, '') ELSE '' END, '');
    IF p_decision = 'reject' THEN
        UPDATE approval_requests SET status = 'rejected' WHERE id = p_request;
        RETURN 'rejected';
    END IF;
    SELECT count(*) INTO approvals FROM approval_decisions WHERE request_id = p_request AND decision = 'approve';
    IF approvals < req.required_approvals THEN
        RETURN 'pending';
    END IF;
    UPDATE approval_requests SET status = 'approved' WHERE id = p_request;
    SELECT v.model_id, v.version INTO model, number FROM model_versions v WHERE v.id = req.version_id;
    SELECT max_production INTO allowed FROM registered_models WHERE id = model FOR UPDATE;
    SELECT count(*) - allowed + 1 INTO excess FROM model_versions WHERE model_id = model AND stage = 'Production';
    FOR holder IN SELECT id FROM model_versions WHERE model_id = model AND stage = 'Production'
                  ORDER BY stage_changed_at, version LIMIT greatest(excess, 0) LOOP
        PERFORM modeldesk_change_stage(holder.id, 'Production', 'Archived', 'archive', 'superseded by v' || number,
                                       p_request);
    END LOOP;
    PERFORM modeldesk_change_stage(req.version_id, 'Staging', 'Production', 'promote', req.reason, p_request);
    RETURN 'promoted';
END;
$$;

CREATE FUNCTION modeldesk_withdraw_request(p_request bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    req approval_requests%ROWTYPE;
BEGIN
    SELECT * INTO req FROM approval_requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'modeldesk: there is no approval request #%', p_request USING ERRCODE = 'no_data_found';
    END IF;
    IF req.requested_by <> session_user::text AND NOT pg_has_role(session_user, 'modeldesk_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'modeldesk: request #% was made by %; only the requester or an admin withdraws it', p_request,
            req.requested_by USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF req.status <> 'pending' THEN
        RAISE EXCEPTION 'modeldesk: request #% is %, not pending', p_request, req.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF coalesce(trim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'modeldesk: withdrawing a request needs a reason' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    PERFORM set_config('modeldesk.reason', p_reason, true);
    UPDATE approval_requests SET status = 'cancelled' WHERE id = p_request;
    PERFORM set_config('modeldesk.reason', '', true);
END;
$$;

-- Sets (or moves) an alias; protected aliases and aliases that follow Production are checked by the
-- alias triggers.
CREATE FUNCTION modeldesk_set_alias(p_model bigint, p_alias text, p_version bigint, p_protected boolean,
                                    p_follows text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_require(ARRAY['scientist', 'deployer'], 'set aliases');
    IF NOT EXISTS (SELECT 1 FROM model_versions WHERE id = p_version AND model_id = p_model) THEN
        RAISE EXCEPTION 'modeldesk: an alias points at a version of its own model' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    INSERT INTO aliases (model_id, alias, version_id, protected, follows, updated_at, updated_by)
        VALUES (p_model, p_alias, p_version, CASE WHEN p_protected THEN 1 ELSE 0 END, coalesce(p_follows, ''), '',
                session_user::text)
        ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, protected = excluded.protected,
            follows = excluded.follows, updated_by = excluded.updated_by;
END;
$$;

CREATE FUNCTION modeldesk_remove_alias(p_model bigint, p_alias text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    removed integer;
BEGIN
    PERFORM modeldesk_require(ARRAY['scientist', 'deployer'], 'remove aliases');
    DELETE FROM aliases WHERE model_id = p_model AND alias = p_alias;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$;

CREATE FUNCTION modeldesk_set_gate_policy(p_model bigint, p_transition text, p_policy text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_require(ARRAY['admin'], 'set gate policies');
    IF jsonb_typeof(p_policy::jsonb) <> 'object' OR jsonb_typeof(coalesce(p_policy::jsonb -> 'rules', '[]')) <> 'array' THEN
        RAISE EXCEPTION 'modeldesk: a gate policy is an object with a list of rules' USING ERRCODE = 'data_exception';
    END IF;
    INSERT INTO gate_policies (model_id, transition, policy, updated_at, updated_by)
        VALUES (p_model, p_transition, p_policy, '', session_user::text)
        ON CONFLICT (model_id, transition) DO UPDATE SET policy = excluded.policy, updated_by = excluded.updated_by;
END;
$$;

-- p_direction NULL: back to the default (the metric's name decides).
CREATE FUNCTION modeldesk_set_metric_direction(p_model bigint, p_metric text, p_direction text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_require(ARRAY['admin'], 'set metric directions');
    IF p_direction IS NULL THEN
        DELETE FROM metric_directions WHERE model_id = p_model AND metric = p_metric;
    ELSE
        INSERT INTO metric_directions (model_id, metric, direction, updated_at, updated_by)
            VALUES (p_model, p_metric, p_direction, '', session_user::text)
            ON CONFLICT (model_id, metric) DO UPDATE SET direction = excluded.direction, updated_by = excluded.updated_by;
    END IF;
END;
$$;

CREATE FUNCTION modeldesk_set_max_production(p_model bigint, p_max integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_require(ARRAY['admin'], 'change max_production');
    IF (SELECT count(*) FROM model_versions WHERE model_id = p_model AND stage = 'Production') > p_max THEN
        RAISE EXCEPTION 'modeldesk: the model has more than % versions in Production; archive some first', p_max
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    UPDATE registered_models SET max_production = p_max WHERE id = p_model;
END;
$$;

CREATE FUNCTION modeldesk_clear_rollback_mark(p_version bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_require(ARRAY['deployer'], 'clear rollback marks');
    UPDATE model_versions SET rollback_excluded = 0 WHERE id = p_version;
END;
$$;

-- Role grants are DDL, which no row trigger sees: the granting admin records one after GRANT, and the
-- entry is written only when the user really holds the role now.
CREATE FUNCTION modeldesk_record_grant(p_role text, p_user text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM modeldesk_require(ARRAY['admin'], 'record role grants');
    IF NOT pg_has_role(p_user, 'modeldesk_' || p_role, 'MEMBER') THEN
        RAISE EXCEPTION 'modeldesk: % does not hold modeldesk_%', p_user, p_role
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    PERFORM modeldesk_record('grant_role', 'role', p_user, jsonb_build_object('role', p_role), NULL, NULL, NULL);
END;
$$;

-- ---------------------------------------------------------------------------------------------------
-- Grants: SELECT for every role, INSERT only where registering needs it, EXECUTE on the write API.

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM modeldesk_reader, modeldesk_scientist, modeldesk_reviewer,
    modeldesk_deployer, modeldesk_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO modeldesk_reader, modeldesk_admin;
GRANT INSERT ON namespaces, registered_models, model_versions, metrics, params, facts, version_tags, model_tags,
    lineage_nodes, lineage_edges TO modeldesk_scientist;
GRANT UPDATE (last_version, description) ON registered_models TO modeldesk_scientist;
GRANT UPDATE (sealed, description) ON model_versions TO modeldesk_scientist;
GRANT UPDATE, DELETE ON version_tags, model_tags TO modeldesk_scientist;
GRANT INSERT ON deployments, lineage_nodes, lineage_edges TO modeldesk_deployer;

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

REVOKE EXECUTE ON FUNCTION modeldesk_record(text, text, text, jsonb, text, text, integer), modeldesk_change_stage(bigint, text, text, text, text, bigint),
    modeldesk_request_promotion(bigint, text), modeldesk_decide(bigint, text, text, text),
    modeldesk_withdraw_request(bigint, text), modeldesk_set_alias(bigint, text, bigint, boolean, text),
    modeldesk_remove_alias(bigint, text), modeldesk_set_gate_policy(bigint, text, text),
    modeldesk_set_metric_direction(bigint, text, text), modeldesk_set_max_production(bigint, integer),
    modeldesk_clear_rollback_mark(bigint), modeldesk_record_grant(text, text), modeldesk_audit_model(), modeldesk_audit_namespace(),
    modeldesk_version_registered(), modeldesk_audit_version(), modeldesk_audit_transition(), modeldesk_audit_request(),
    modeldesk_audit_decision(), modeldesk_audit_alias(), modeldesk_audit_tag(), modeldesk_audit_setting(),
    modeldesk_audit_schema_version(), modeldesk_audit_deployment(), modeldesk_audit_lineage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION modeldesk_change_stage(bigint, text, text, text, text, bigint) TO modeldesk_scientist,
    modeldesk_reviewer, modeldesk_deployer;
GRANT EXECUTE ON FUNCTION modeldesk_request_promotion(bigint, text) TO modeldesk_scientist;
GRANT EXECUTE ON FUNCTION modeldesk_decide(bigint, text, text, text) TO modeldesk_reviewer;
GRANT EXECUTE ON FUNCTION modeldesk_withdraw_request(bigint, text) TO modeldesk_scientist, modeldesk_admin;
GRANT EXECUTE ON FUNCTION modeldesk_set_alias(bigint, text, bigint, boolean, text),
    modeldesk_remove_alias(bigint, text) TO modeldesk_scientist, modeldesk_deployer;
GRANT EXECUTE ON FUNCTION modeldesk_set_gate_policy(bigint, text, text), modeldesk_set_metric_direction(bigint, text, text),
    modeldesk_set_max_production(bigint, integer) TO modeldesk_admin;
GRANT EXECUTE ON FUNCTION modeldesk_clear_rollback_mark(bigint) TO modeldesk_deployer;
GRANT EXECUTE ON FUNCTION modeldesk_record_grant(text, text) TO modeldesk_admin;

-- The registry's objects belong to the NOLOGIN owner: no login, admin included, can drop or alter a
-- trigger, a function or a table. Needs a superuser migrating (otherwise the migrating login stays the
-- owner, and only it can change the schema).
DO $$
DECLARE
    o record;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN;
    END IF;
    FOR o IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') LOOP
        EXECUTE format('ALTER TABLE %I OWNER TO modeldesk_owner', o.relname);
    END LOOP;
    FOR o IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'modeldesk\_%' AND n.nspname = current_schema() LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO modeldesk_owner', o.signature);
    END LOOP;
END;
$$;
