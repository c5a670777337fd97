-- Every change to a service, its sites (touchpoints), its catchments or a capacity need is in the audit log, with
-- who, when, the row before and the row after, whichever path made it (pages, API, importers, CLI, psql).
--
-- Statement-level triggers with transition tables: one set-based INSERT per statement, so an import of 10,000
-- services pays one extra statement, not 10,000 trigger calls. Who did it comes from transaction-local settings the
-- application sets with model/audit.py's `acting` (set_config(..., true)): 'assetmap.actor', 'assetmap.user_id',
-- and optionally 'assetmap.action' and 'assetmap.reason' for a named action ('approve', 'met', 'revert' …).
-- Without them (psql, a script) the actor is the database role, so nothing escapes the log.
--
-- An UPDATE that changes nothing a person wrote (only derived columns: the neighbourhood re-derived after a
-- boundary import, the stored projections, updated_at and version) writes no row. The projections (geom_bng,
-- tile_geom) are left out of before and after: they repeat geom.

CREATE FUNCTION audit_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    derived   constant text[] := ARRAY['geom_bng', 'tile_geom'];
    untouched constant text[] := ARRAY['updated_at', 'version', 'neighbourhood_id'];
    who       text := coalesce(nullif(current_setting('assetmap.actor', true), ''), 'database:' || session_user);
    staff_id  bigint := nullif(current_setting('assetmap.user_id', true), '')::bigint;
    named     text := nullif(current_setting('assetmap.action', true), '');
    why       text := nullif(current_setting('assetmap.reason', true), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (user_id, actor, action, entity, entity_id, before, after, reason)
        SELECT staff_id, who, coalesce(named, 'create'), TG_TABLE_NAME, n.id, NULL, to_jsonb(n) - derived, why
          FROM new_rows n ORDER BY n.id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (user_id, actor, action, entity, entity_id, before, after, reason)
        SELECT staff_id, who, coalesce(named, 'update'), TG_TABLE_NAME, n.id, to_jsonb(o) - derived,
               to_jsonb(n) - derived, why
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE to_jsonb(o) - derived - untouched IS DISTINCT FROM to_jsonb(n) - derived - untouched
         ORDER BY n.id;
    ELSE
        INSERT INTO audit_log (user_id, actor, action, entity, entity_id, before, after, reason)
        SELECT staff_id, who, coalesce(named, 'delete'), TG_TABLE_NAME, o.id, to_jsonb(o) - derived, NULL, why
          FROM old_rows o ORDER BY o.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER services_audit_insert AFTER INSERT ON services REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER services_audit_update AFTER UPDATE ON services REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER services_audit_delete AFTER DELETE ON services REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();

CREATE TRIGGER service_sites_audit_insert AFTER INSERT ON service_sites REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER service_sites_audit_update AFTER UPDATE ON service_sites
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER service_sites_audit_delete AFTER DELETE ON service_sites REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();

CREATE TRIGGER service_areas_audit_insert AFTER INSERT ON service_areas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER service_areas_audit_update AFTER UPDATE ON service_areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER service_areas_audit_delete AFTER DELETE ON service_areas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();

CREATE TRIGGER capacity_needs_audit_insert AFTER INSERT ON capacity_needs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER capacity_needs_audit_update AFTER UPDATE ON capacity_needs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
CREATE TRIGGER capacity_needs_audit_delete AFTER DELETE ON capacity_needs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_changed_rows();
