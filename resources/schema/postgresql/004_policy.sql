-- ModelDesk registry schema v4 (PostgreSQL): one lifecycle policy.
-- * Metric directions stored in the registry (per model, or registry-wide with model_id 0), used by
--   gates, comparison, the approval dialog, Compare and the CLI alike. Set by admins (like gate policies).
-- * Aliases that follow Production: the database moves them with every stage change in and out of
--   Production, in the same transaction, whoever makes the change.
-- * The stage-move guard rewritten from the policy table (models/registry/policy.cpp): moves that carry
--   an approval id (the promotion, the archive of superseded versions) are made only by the reviewer
--   whose approval completes that request, and the request must be approved and belong to this version
--   (promotion) or to another version of the same model (supersede).

CREATE TABLE metric_directions (
    model_id   BIGINT NOT NULL DEFAULT 0,
    metric     TEXT NOT NULL CHECK (length(metric) > 0),
    direction  TEXT NOT NULL CHECK (direction IN ('higher', 'lower')),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (model_id, metric)
);
CREATE TRIGGER metric_directions_actor BEFORE INSERT OR UPDATE ON metric_directions
    FOR EACH ROW EXECUTE FUNCTION modeldesk_check_actor_column('updated_by');
GRANT SELECT ON metric_directions TO modeldesk_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_directions TO modeldesk_admin;

ALTER TABLE aliases ADD COLUMN follows TEXT NOT NULL DEFAULT '' CHECK (follows IN ('', 'production'));

CREATE OR REPLACE FUNCTION modeldesk_stage_transition_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current_stage text;
    approved_by_me boolean;
BEGIN
    IF NEW.kind = 'register' THEN
        IF NEW.from_stage <> '' OR NEW.to_stage <> 'None'
           OR EXISTS (SELECT 1 FROM model_versions WHERE id = NEW.version_id AND sealed = 1)
           OR EXISTS (SELECT 1 FROM stage_transitions WHERE version_id = NEW.version_id AND kind = 'register') THEN
            RAISE EXCEPTION 'modeldesk: a registration row goes from nothing to None, once, while registering'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT stage INTO current_stage FROM model_versions WHERE id = NEW.version_id;
    IF current_stage IS DISTINCT FROM NEW.from_stage THEN
        RAISE EXCEPTION 'modeldesk: the transition does not start from the version''s current stage'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NOT ((NEW.from_stage = 'None' AND NEW.to_stage = 'Staging' AND NEW.kind = 'promote' AND NEW.approval_id IS NULL)
         OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'None' AND NEW.kind = 'demote' AND NEW.approval_id IS NULL)
         OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'Production' AND NEW.kind = 'promote')
         OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'Archived' AND NEW.kind = 'archive' AND NEW.approval_id IS NULL)
         OR (NEW.from_stage = 'Production' AND NEW.to_stage = 'Archived' AND NEW.kind = 'archive')
         OR (NEW.from_stage = 'Production' AND NEW.to_stage = 'Archived' AND NEW.kind = 'rollback' AND NEW.approval_id IS NULL)
         OR (NEW.from_stage = 'Archived' AND NEW.to_stage = 'Production' AND NEW.kind = 'rollback' AND NEW.approval_id IS NULL)) THEN
        RAISE EXCEPTION 'modeldesk: stage move not allowed; allowed moves: None->Staging, Staging->Production (by the approval that completes a request), Staging->None, Staging->Archived, Production->Archived, Archived->Production (rollback only)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.to_stage = 'Production' AND NEW.kind = 'promote' AND NOT EXISTS (
        SELECT 1 FROM approval_requests r WHERE r.id = NEW.approval_id AND r.version_id = NEW.version_id
                                            AND r.status = 'approved') THEN
        RAISE EXCEPTION 'modeldesk: Staging->Production needs an approved approval request for this version'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.kind = 'archive' AND NEW.approval_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM approval_requests r JOIN model_versions rv ON rv.id = r.version_id
        JOIN model_versions mv ON mv.id = NEW.version_id
        WHERE r.id = NEW.approval_id AND r.status = 'approved' AND rv.model_id = mv.model_id AND rv.id <> mv.id) THEN
        RAISE EXCEPTION 'modeldesk: a superseded version is archived only by an approved request of another version of its model'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.to_stage = 'Production' AND NEW.kind = 'rollback' AND NOT EXISTS (
        SELECT 1 FROM stage_transitions t WHERE t.version_id = NEW.version_id AND t.to_stage = 'Production') THEN
        RAISE EXCEPTION 'modeldesk: a rollback can only return to a version that was in Production before'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- Who may do it (policy::moves()): scientists and deployers move between None and Staging; the
    -- reviewer whose approval completes a request promotes it and archives what it supersedes;
    -- deployers archive and roll back.
    IF NEW.kind IN ('promote', 'demote') AND NEW.to_stage IN ('Staging', 'None') THEN
        IF NOT (modeldesk_is('modeldesk_scientist') OR modeldesk_is('modeldesk_deployer')) THEN
            RAISE EXCEPTION 'modeldesk: % may not move versions between None and Staging (needs modeldesk_scientist or modeldesk_deployer)', session_user
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.approval_id IS NOT NULL THEN
        approved_by_me := EXISTS (SELECT 1 FROM approval_decisions d WHERE d.request_id = NEW.approval_id
                                  AND d.actor = session_user::text AND d.decision = 'approve');
        IF NOT (modeldesk_is('modeldesk_reviewer') AND approved_by_me) THEN
            RAISE EXCEPTION 'modeldesk: % may not % versions: only the approval that completes a request does (needs modeldesk_reviewer)', session_user, NEW.kind
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NOT modeldesk_is('modeldesk_deployer') THEN
        RAISE EXCEPTION 'modeldesk: % may not % versions (needs modeldesk_deployer)', session_user, NEW.kind
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

-- The newest Production version of a model (NULL when there is none).
CREATE FUNCTION modeldesk_newest_production(model bigint) RETURNS bigint LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT id FROM public.model_versions WHERE model_id = model AND stage = 'Production'
    ORDER BY stage_changed_at DESC, version DESC LIMIT 1
$$;

CREATE OR REPLACE FUNCTION modeldesk_protected_alias() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.follows = 'production'
       AND NEW.version_id IS DISTINCT FROM modeldesk_newest_production(NEW.model_id)
       AND (TG_OP = 'INSERT' OR NEW.version_id IS DISTINCT FROM OLD.version_id OR NEW.follows IS DISTINCT FROM OLD.follows) THEN
        RAISE EXCEPTION 'modeldesk: an alias that follows Production points at the newest Production version'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- Moving a following alias to where it must point is what every stage change does, whoever makes it.
    IF TG_OP = 'UPDATE' AND OLD.follows = 'production' AND NEW.follows = 'production'
       AND NEW.protected = OLD.protected AND NEW.alias = OLD.alias AND NEW.model_id = OLD.model_id
       AND NEW.version_id = modeldesk_newest_production(NEW.model_id) THEN
        RETURN NEW;
    END IF;
    IF (TG_OP <> 'INSERT' AND OLD.protected = 1) OR (TG_OP <> 'DELETE' AND NEW.protected = 1) THEN
        IF NOT modeldesk_is('modeldesk_deployer') THEN
            RAISE EXCEPTION 'modeldesk: protected aliases can only be moved by deployers'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

-- Runs as the owner: the reviewer whose approval promotes a version may not edit aliases otherwise.
CREATE FUNCTION modeldesk_move_following_aliases() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    newest bigint;
BEGIN
    newest := modeldesk_newest_production(NEW.model_id);
    IF newest IS NOT NULL THEN
        UPDATE public.aliases SET version_id = newest, updated_at = NEW.stage_changed_at, updated_by = session_user::text
         WHERE model_id = NEW.model_id AND follows = 'production' AND version_id <> newest;
    END IF;
    RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION modeldesk_move_following_aliases() FROM PUBLIC;
CREATE TRIGGER model_versions_move_following_aliases AFTER UPDATE OF stage ON model_versions
    FOR EACH ROW WHEN (NEW.stage IS DISTINCT FROM OLD.stage AND (NEW.stage = 'Production' OR OLD.stage = 'Production'))
    EXECUTE FUNCTION modeldesk_move_following_aliases();
