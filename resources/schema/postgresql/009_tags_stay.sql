-- Schema v9: a tag stays with its model or version. Re-pointing one (UPDATE model_tags SET model_id = another model)
-- moved it between models with an audit entry for the new owner only, and none at all when its key and value were
-- unchanged (modeldesk_audit_tag skips an update that changes neither). A tag is removed from one and set on the
-- other instead, and both are audited.
CREATE FUNCTION modeldesk_tag_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) ->> 'model_id') IS DISTINCT FROM (to_jsonb(OLD) ->> 'model_id')
       OR (to_jsonb(NEW) ->> 'version_id') IS DISTINCT FROM (to_jsonb(OLD) ->> 'version_id') THEN
        RAISE EXCEPTION 'modeldesk: a tag stays with its model or version; remove it and set it on the other one'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER model_tags_stay BEFORE UPDATE ON model_tags FOR EACH ROW EXECUTE FUNCTION modeldesk_tag_stays();
CREATE TRIGGER version_tags_stay BEFORE UPDATE ON version_tags FOR EACH ROW EXECUTE FUNCTION modeldesk_tag_stays();

-- As 005 did for every function: a fixed search path.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION modeldesk_tag_stays() SET search_path = pg_catalog, %I, pg_temp', current_schema());
END;
$$;
