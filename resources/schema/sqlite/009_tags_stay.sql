-- Schema v9: a tag stays with its model or version (PostgreSQL: a raw UPDATE could move one between models without
-- an audit entry). ModelDesk never re-points a tag; the same rule holds here.
CREATE TRIGGER model_tags_stay
BEFORE UPDATE OF model_id ON model_tags
WHEN NEW.model_id IS NOT OLD.model_id
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a tag stays with its model or version; remove it and set it on the other one');
END;
CREATE TRIGGER version_tags_stay
BEFORE UPDATE OF version_id ON version_tags
WHEN NEW.version_id IS NOT OLD.version_id
BEGIN
    SELECT RAISE(ABORT, 'modeldesk: a tag stays with its model or version; remove it and set it on the other one');
END;
