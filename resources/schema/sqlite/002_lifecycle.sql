-- ModelDesk registry schema v2 (SQLite): lifecycle, gates, approvals, aliases, deployments, outbox.
-- On SQLite these rules are advisory against whoever can write the file (they can drop triggers);
-- they still stop mistakes made with a plain SQL client.

ALTER TABLE model_versions ADD COLUMN rollback_excluded INTEGER NOT NULL DEFAULT 0 CHECK (rollback_excluded IN (0, 1));

-- Gate policies: model_id 0 is the registry-wide default. transition: 'staging' (None->Staging)
-- or 'production' (Staging->Production). policy is JSON (see README).
CREATE TABLE gate_policies (
    model_id   INTEGER NOT NULL DEFAULT 0,
    transition TEXT NOT NULL CHECK (transition IN ('staging', 'production')),
    policy     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (model_id, transition)
);

CREATE TABLE approval_requests (
    id                 INTEGER PRIMARY KEY,
    version_id         INTEGER NOT NULL REFERENCES model_versions(id),
    to_stage           TEXT NOT NULL CHECK (to_stage = 'Production'),
    requested_by       TEXT NOT NULL,
    requested_at       TEXT NOT NULL,
    reason             TEXT NOT NULL CHECK (length(reason) > 0),
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected', 'promoted', 'cancelled')),
    gates_passed       INTEGER NOT NULL CHECK (gates_passed IN (0, 1)),
    gate_report        TEXT NOT NULL,
    baseline_version   INTEGER,
    required_approvals INTEGER NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
    decided_at         TEXT
);
CREATE UNIQUE INDEX approval_requests_one_open ON approval_requests(version_id) WHERE status IN ('pending', 'approved');
CREATE INDEX approval_requests_status ON approval_requests(status);

CREATE TABLE approval_decisions (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES approval_requests(id),
    actor           TEXT NOT NULL,
    decision        TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment         TEXT NOT NULL CHECK (length(comment) > 0),
    override_reason TEXT NOT NULL DEFAULT '',
    at              TEXT NOT NULL,
    UNIQUE (request_id, actor)
);

CREATE TABLE aliases (
    model_id   INTEGER NOT NULL REFERENCES registered_models(id),
    alias      TEXT NOT NULL,
    version_id INTEGER NOT NULL REFERENCES model_versions(id),
    protected  INTEGER NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (model_id, alias)
);

CREATE TABLE deployments (
    id          INTEGER PRIMARY KEY,
    service     TEXT NOT NULL,
    environment TEXT NOT NULL,
    model_id    INTEGER NOT NULL REFERENCES registered_models(id),
    version_id  INTEGER NOT NULL REFERENCES model_versions(id),
    reported_at TEXT NOT NULL,
    reported_by TEXT NOT NULL
);
CREATE INDEX deployments_service ON deployments(service, environment, id);

CREATE TABLE outbox_events (
    id           INTEGER PRIMARY KEY,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0
);

-- Invariant: a stage change must match an allowed move, be recorded first in stage_transitions,
-- and reach Production only with an approved request or as a rollback to an earlier Production version.
CREATE TRIGGER stage_transitions_allowed
BEFORE INSERT ON stage_transitions
WHEN NEW.kind <> 'register'
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the transition does not start from the version''s current stage')
    WHERE (SELECT stage FROM model_versions WHERE id = NEW.version_id) IS NOT NEW.from_stage;
    SELECT RAISE(ABORT, 'modeldesk: stage move not allowed; allowed moves: None->Staging, Staging->Production, Staging->None, Production->Archived, Staging->Archived, Archived->Production (rollback only)')
    WHERE NOT ((NEW.from_stage = 'None' AND NEW.to_stage = 'Staging' AND NEW.kind = 'promote')
            OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'Production' AND NEW.kind = 'promote')
            OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'None' AND NEW.kind = 'demote')
            OR (NEW.from_stage = 'Production' AND NEW.to_stage = 'Archived' AND NEW.kind IN ('archive', 'rollback'))
            OR (NEW.from_stage = 'Staging' AND NEW.to_stage = 'Archived' AND NEW.kind = 'archive')
            OR (NEW.from_stage = 'Archived' AND NEW.to_stage = 'Production' AND NEW.kind = 'rollback'));
    SELECT RAISE(ABORT, 'modeldesk: Staging->Production needs an approved approval request for this version')
    WHERE NEW.to_stage = 'Production' AND NEW.kind = 'promote'
      AND NOT EXISTS (SELECT 1 FROM approval_requests r WHERE r.id = NEW.approval_id
                      AND r.version_id = NEW.version_id AND r.status = 'approved');
    SELECT RAISE(ABORT, 'modeldesk: a rollback can only return to a version that was in Production before')
    WHERE NEW.to_stage = 'Production' AND NEW.kind = 'rollback'
      AND NOT EXISTS (SELECT 1 FROM stage_transitions t WHERE t.version_id = NEW.version_id AND t.to_stage = 'Production');
END;

CREATE TRIGGER model_versions_insert_as_none
BEFORE INSERT ON model_versions
WHEN NEW.stage <> 'None' OR NEW.sealed <> 0
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a new version starts in stage None and unsealed; stages change through the registry');
END;

CREATE TRIGGER stage_transitions_register_once
BEFORE INSERT ON stage_transitions
WHEN NEW.kind = 'register'
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a registration row goes from nothing to None, once, while registering')
    WHERE NEW.from_stage <> '' OR NEW.to_stage <> 'None'
       OR (SELECT sealed FROM model_versions WHERE id = NEW.version_id) = 1
       OR EXISTS (SELECT 1 FROM stage_transitions WHERE version_id = NEW.version_id AND kind = 'register');
END;

CREATE TRIGGER model_versions_stage_recorded
BEFORE UPDATE OF stage ON model_versions
WHEN NEW.stage IS NOT OLD.stage
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: stage changes go through the registry (a matching stage_transitions row must be written first)')
    WHERE NOT EXISTS (SELECT 1 FROM stage_transitions t
                      WHERE t.id = (SELECT max(id) FROM stage_transitions WHERE version_id = NEW.id)
                        AND t.from_stage = OLD.stage AND t.to_stage = NEW.stage);
END;

CREATE TRIGGER model_versions_max_production
AFTER UPDATE OF stage ON model_versions
WHEN NEW.stage = 'Production'
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: the model already has its maximum number of Production versions')
    WHERE (SELECT count(*) FROM model_versions WHERE model_id = NEW.model_id AND stage = 'Production')
        > (SELECT max_production FROM registered_models WHERE id = NEW.model_id);
END;

-- Four eyes: the approver is neither the requester nor the registrant.
CREATE TRIGGER approval_decisions_four_eyes
BEFORE INSERT ON approval_decisions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: four eyes: you cannot decide on a request you made')
    WHERE NEW.actor = (SELECT requested_by FROM approval_requests WHERE id = NEW.request_id);
    SELECT RAISE(ABORT, 'modeldesk: four eyes: you cannot decide on a version you registered')
    WHERE NEW.actor = (SELECT v.created_by FROM approval_requests r JOIN model_versions v ON v.id = r.version_id
                       WHERE r.id = NEW.request_id);
    SELECT RAISE(ABORT, 'modeldesk: the request is no longer pending')
    WHERE (SELECT status FROM approval_requests WHERE id = NEW.request_id) <> 'pending';
    SELECT RAISE(ABORT, 'modeldesk: approving a request with failing gates needs an override reason')
    WHERE NEW.decision = 'approve' AND NEW.override_reason = ''
      AND (SELECT gates_passed FROM approval_requests WHERE id = NEW.request_id) = 0;
END;

CREATE TRIGGER approval_decisions_no_update
BEFORE UPDATE ON approval_decisions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: approval decisions are append-only');
END;

CREATE TRIGGER approval_decisions_no_delete
BEFORE DELETE ON approval_decisions
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: approval decisions are append-only');
END;

CREATE TRIGGER approval_requests_status
BEFORE UPDATE OF status ON approval_requests
WHEN NEW.status IS NOT OLD.status
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a request is approved only when enough approvals were given')
    WHERE NEW.status = 'approved'
      AND (OLD.status <> 'pending'
           OR (SELECT count(*) FROM approval_decisions WHERE request_id = NEW.id AND decision = 'approve')
              < NEW.required_approvals);
    SELECT RAISE(ABORT, 'modeldesk: a request is rejected only by a reviewer''s rejection')
    WHERE NEW.status = 'rejected'
      AND NOT EXISTS (SELECT 1 FROM approval_decisions WHERE request_id = NEW.id AND decision = 'reject');
    SELECT RAISE(ABORT, 'modeldesk: only an approved request whose version reached Production is promoted')
    WHERE NEW.status = 'promoted'
      AND (OLD.status <> 'approved'
           OR (SELECT stage FROM model_versions WHERE id = NEW.version_id) <> 'Production');
    SELECT RAISE(ABORT, 'modeldesk: a decided request cannot be reopened')
    WHERE OLD.status IN ('rejected', 'promoted', 'cancelled');
END;

CREATE TRIGGER approval_requests_frozen
BEFORE UPDATE OF version_id, to_stage, requested_by, requested_at, reason, gates_passed, gate_report,
                 baseline_version, required_approvals ON approval_requests
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: an approval request cannot be edited');
END;

CREATE TRIGGER approval_requests_no_delete
BEFORE DELETE ON approval_requests
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: approval requests cannot be deleted');
END;
