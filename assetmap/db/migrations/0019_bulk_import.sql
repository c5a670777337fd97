-- Bulk imports place their assets in neighbourhoods themselves, set-based, instead of row by row.
--
-- assets_set_neighbourhood() runs once per inserted or moved asset: right for a form or a moderator, but on a bulk
-- import it was a PL/pgSQL call and an index probe per row (about a sixth of the INSERT's time at 100k rows). The
-- asset importer (assetmap/ingest/sql/asset_upsert.sql) looks the neighbourhood up once per distinct point in the
-- same query, with the same rule (the lowest id of the neighbourhoods covering the point), and says so for the
-- rest of its statement with the transaction-local setting assetmap.neighbourhoods_given; the trigger then skips
-- those rows. A statement-level trigger with transition tables cannot do this: it runs after the rows are written,
-- so it would have to UPDATE every row again (a second copy of each row and of each of its index entries).
--
-- Every other writer (forms, API, moderation, demo loader, psql) never sets the flag and keeps the trigger as it was.
DROP TRIGGER assets_neighbourhood ON assets;
CREATE TRIGGER assets_neighbourhood BEFORE INSERT OR UPDATE OF geom, neighbourhood_id ON assets
    FOR EACH ROW WHEN (current_setting('assetmap.neighbourhoods_given', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION assets_set_neighbourhood();
