-- Row-level foreign keys on `features` fire one trigger per row: on a delivery of 45,000
-- features they took more than a quarter of the load time when several layers load at once.
-- The same guarantees, checked once per statement over the statement's rows.

ALTER TABLE features
    DROP CONSTRAINT IF EXISTS features_layer_id_fkey,
    DROP CONSTRAINT IF EXISTS features_delivery_id_fkey;

CREATE FUNCTION features_check_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT n.layer_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM layers l WHERE l.id = n.layer_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'features reference layer %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.delivery_id::text INTO missing FROM new_rows n
    WHERE n.delivery_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = n.delivery_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'features reference delivery %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER features_references_on_insert
    AFTER INSERT ON features REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION features_check_references();
CREATE TRIGGER features_references_on_update
    AFTER UPDATE ON features REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION features_check_references();

-- The other side: a layer or delivery that features point at cannot go away, and ids never
-- change (the row trigger fires only when an id would).
CREATE FUNCTION layers_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN features f ON f.layer_id = o.id) THEN
        RAISE EXCEPTION 'a layer that features belong to cannot be removed'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION deliveries_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN features f ON f.delivery_id = o.id) THEN
        RAISE EXCEPTION 'a delivery that features came from cannot be removed'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER layers_keep_referenced_on_delete
    AFTER DELETE ON layers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION layers_keep_referenced();
CREATE FUNCTION ids_never_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.id cannot change (from % to %)', TG_TABLE_NAME, OLD.id, NEW.id
        USING ERRCODE = 'foreign_key_violation';
END $$;

CREATE TRIGGER layers_id_never_changes
    BEFORE UPDATE OF id ON layers
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION ids_never_change();
CREATE TRIGGER deliveries_keep_referenced_on_delete
    AFTER DELETE ON deliveries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_keep_referenced();
CREATE TRIGGER deliveries_id_never_changes
    BEFORE UPDATE OF id ON deliveries
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION ids_never_change();
