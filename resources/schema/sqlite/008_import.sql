-- Schema v8: stages imported from another registry (modelctl import mlflow): a transition of kind 'import' takes a
-- version from None to the stage it had there, once, on a version that has not moved yet (roles are advisory on
-- SQLite). The CHECK on stage_transitions.kind learns 'import' before this script runs (schema.cpp: SQLite cannot
-- alter a CHECK; the table's definition is edited as SQLite's documentation describes for such changes).

DROP TRIGGER stage_transitions_allowed;
CREATE TRIGGER stage_transitions_allowed
BEFORE INSERT ON stage_transitions
WHEN NEW.kind <> 'register'
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the transition does not start from the version''s current stage')
    WHERE (SELECT stage FROM model_versions WHERE id = NEW.version_id) IS NOT NEW.from_stage;
    SELECT RAISE(ABORT, 'modeldesk: stage move not allowed; allowed moves: None->Staging, Staging->Production (by the approval that completes a request), Staging->None, Staging->Archived, Production->Archived, Archived->Production (rollback only)')
    WHERE NOT ((NEW.from_stage = 'None' AND NEW.to_stage = 'Staging' AND NEW.kind = 'promote' AND NEW.approval_id IS NULL)
            OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'None' AND NEW.kind = 'demote' AND NEW.approval_id IS NULL)
            OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'Production' AND NEW.kind = 'promote')
            OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'Archived' AND NEW.kind = 'archive' AND NEW.approval_id IS NULL)
            OR (NEW.from_stage = 'Production' AND NEW.to_stage = 'Archived' AND NEW.kind = 'archive')
            OR (NEW.from_stage = 'Production' AND NEW.to_stage = 'Archived' AND NEW.kind = 'rollback' AND NEW.approval_id IS NULL)
            OR (NEW.from_stage = 'Archived' AND NEW.to_stage = 'Production' AND NEW.kind = 'rollback' AND NEW.approval_id IS NULL)
            OR (NEW.from_stage = 'None' AND NEW.to_stage IN ('Staging', 'Production', 'Archived') AND NEW.kind = 'import'
                AND NEW.approval_id IS NULL));
    SELECT RAISE(ABORT, 'modeldesk: an imported stage is set once, on a version that has not moved yet')
    WHERE NEW.kind = 'import'
      AND EXISTS (SELECT 1 FROM stage_transitions t WHERE t.version_id = NEW.version_id AND t.kind <> 'register');
    SELECT RAISE(ABORT, 'modeldesk: Staging->Production needs an approved approval request for this version')
    WHERE NEW.to_stage = 'Production' AND NEW.kind = 'promote'
      AND NOT EXISTS (SELECT 1 FROM approval_requests r WHERE r.id = NEW.approval_id
                      AND r.version_id = NEW.version_id AND r.status = 'approved');
    SELECT RAISE(ABORT, 'modeldesk: a superseded version is archived only by an approved request of another version of its model')
    WHERE NEW.kind = 'archive' AND NEW.approval_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM approval_requests r JOIN model_versions rv ON rv.id = r.version_id
                      JOIN model_versions mv ON mv.id = NEW.version_id
                      WHERE r.id = NEW.approval_id AND r.status = 'approved' AND rv.model_id = mv.model_id
                        AND rv.id <> mv.id);
    SELECT RAISE(ABORT, 'modeldesk: a rollback can only return to a version that was in Production before')
    WHERE NEW.to_stage = 'Production' AND NEW.kind = 'rollback'
      AND NOT EXISTS (SELECT 1 FROM stage_transitions t WHERE t.version_id = NEW.version_id AND t.to_stage = 'Production');
END;
