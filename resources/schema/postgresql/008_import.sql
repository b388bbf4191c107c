-- Schema v8: stages imported from another registry (modelctl import mlflow). A transition of kind 'import' takes a
-- version from None to the stage it had there (Staging, Production or Archived): by an admin, once, on a version that
-- has not moved yet, with the source and its time in the reason. It is the one way into a stage that is not the
-- approval path, and the history and audit log say so (stage_import). The policy table (policy::moves()) has the
-- same rows; the conformance test holds the two together.

ALTER TABLE stage_transitions DROP CONSTRAINT stage_transitions_kind_check;
ALTER TABLE stage_transitions ADD CONSTRAINT stage_transitions_kind_check
    CHECK (kind IN ('register', 'promote', 'archive', 'rollback', 'demote', 'import'));

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
         OR (NEW.from_stage = 'Archived' AND NEW.to_stage = 'Production' AND NEW.kind = 'rollback' AND NEW.approval_id IS NULL)
         OR (NEW.from_stage = 'None' AND NEW.to_stage IN ('Staging', 'Production', 'Archived') AND NEW.kind = 'import'
             AND NEW.approval_id IS NULL)) THEN
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
    -- An imported stage (modelctl import mlflow): by an admin, once, on a version that has not moved.
    IF NEW.kind = 'import' THEN
        IF NOT modeldesk_is('modeldesk_admin') THEN
            RAISE EXCEPTION 'modeldesk: % may not import stages (needs modeldesk_admin)', session_user
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF EXISTS (SELECT 1 FROM stage_transitions t WHERE t.version_id = NEW.version_id AND t.kind <> 'register') THEN
            RAISE EXCEPTION 'modeldesk: an imported stage is set once, on a version that has not moved yet'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
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

-- Admins change stages through it too (the trigger above lets them only import).
CREATE OR REPLACE FUNCTION modeldesk_change_stage(p_version bigint, p_from text, p_to text, p_kind text, p_reason text,
                                       p_approval bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    current_stage text;
BEGIN
    PERFORM modeldesk_require(ARRAY['scientist', 'reviewer', 'deployer', 'admin'], 'change stages');
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

GRANT EXECUTE ON FUNCTION modeldesk_change_stage(bigint, text, text, text, text, bigint) TO modeldesk_admin;

-- As 005 did for every function: a fixed search path (CREATE OR REPLACE keeps the owner, not the setting).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION modeldesk_stage_transition_allowed() SET search_path = pg_catalog, %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION modeldesk_change_stage(bigint, text, text, text, text, bigint) SET search_path = '
                   'pg_catalog, %I, pg_temp', current_schema());
END;
$$;
