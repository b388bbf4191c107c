-- ModelDesk registry schema v3: finding the services that ran given versions without scanning every
-- deployment report (impact analysis on a registry with years of deployments).

CREATE INDEX deployments_version ON deployments(version_id);
