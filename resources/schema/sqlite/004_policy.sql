-- ModelDesk registry schema v4 (SQLite): one lifecycle policy.
-- * Metric directions stored in the registry (per model, or registry-wide with model_id 0), used by
--   gates, comparison, the approval dialog, Compare and the CLI alike.
-- * Aliases that follow Production: the database moves them with every stage change in and out of
--   Production, in the same transaction, whoever makes the change.
-- * The stage-move guard rewritten from the policy table (models/registry/policy.cpp): an approval id
--   on a transition must name an approved request of this version (promotion) or of another version
--   of the same model (the archive of a superseded version).

CREATE TABLE metric_directions (
    model_id   INTEGER NOT NULL DEFAULT 0,
    metric     TEXT NOT NULL CHECK (length(metric) > 0),
    direction  TEXT NOT NULL CHECK (direction IN ('higher', 'lower')),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (model_id, metric)
);

ALTER TABLE aliases ADD COLUMN follows TEXT NOT NULL DEFAULT '' CHECK (follows IN ('', 'production'));

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
            OR (NEW.from_stage = 'Archived' AND NEW.to_stage = 'Production' AND NEW.kind = 'rollback' AND NEW.approval_id IS NULL));
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

-- A following alias points at the newest Production version of its model (when there is one).
CREATE TRIGGER aliases_follow_production
BEFORE INSERT ON aliases
WHEN NEW.follows = 'production'
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: an alias that follows Production points at the newest Production version')
    WHERE NEW.version_id IS NOT (SELECT id FROM model_versions WHERE model_id = NEW.model_id AND stage = 'Production'
                                 ORDER BY stage_changed_at DESC, version DESC LIMIT 1);
END;

CREATE TRIGGER aliases_follow_production_update
BEFORE UPDATE OF version_id, follows ON aliases
WHEN NEW.follows = 'production' AND (NEW.version_id IS NOT OLD.version_id OR NEW.follows IS NOT OLD.follows)
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: an alias that follows Production points at the newest Production version')
    WHERE NEW.version_id IS NOT (SELECT id FROM model_versions WHERE model_id = NEW.model_id AND stage = 'Production'
                                 ORDER BY stage_changed_at DESC, version DESC LIMIT 1);
END;

-- Every stage change in or out of Production moves the model's following aliases in the same
-- transaction. When nothing is left in Production they stay where they were.
CREATE TRIGGER model_versions_move_following_aliases
AFTER UPDATE OF stage ON model_versions
WHEN NEW.stage IS NOT OLD.stage AND (NEW.stage = 'Production' OR OLD.stage = 'Production')
BEGIN
    UPDATE aliases
       SET version_id = (SELECT id FROM model_versions WHERE model_id = NEW.model_id AND stage = 'Production'
                         ORDER BY stage_changed_at DESC, version DESC LIMIT 1),
           updated_at = NEW.stage_changed_at,
           updated_by = (SELECT actor FROM stage_transitions WHERE id = (SELECT max(id) FROM stage_transitions
                                                                         WHERE version_id = NEW.id))
     WHERE model_id = NEW.model_id AND follows = 'production'
       AND EXISTS (SELECT 1 FROM model_versions WHERE model_id = NEW.model_id AND stage = 'Production')
       AND version_id IS NOT (SELECT id FROM model_versions WHERE model_id = NEW.model_id AND stage = 'Production'
                              ORDER BY stage_changed_at DESC, version DESC LIMIT 1);
END;
