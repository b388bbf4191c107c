-- ModelDesk registry schema v5 (PostgreSQL): name resolution that a session cannot redirect.
-- A trigger function without a fixed search_path resolves "approval_requests" through the caller's
-- search_path, where pg_temp comes first: a temporary table of that name would replace the registry's
-- inside the guard. Every ModelDesk function now runs with search_path = pg_catalog, <schema>, pg_temp
-- (pg_temp named last: a path that omits it searches it first), and logins may not create temporary
-- tables in the registry database at all.
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'modeldesk\_%' AND n.nspname = current_schema() LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f.signature, current_schema());
    END LOOP;
    BEGIN
        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXCEPTION WHEN insufficient_privilege THEN
        NULL; -- not the database's owner: the fixed search paths still hold
    END;
END;
$$;
