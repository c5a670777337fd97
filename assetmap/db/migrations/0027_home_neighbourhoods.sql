-- A private home's neighbourhood is the one its public point falls in, not its exact point's (issue 13).
--
-- Homes are shown at the centre of their 250 m grid cell (public_point, 0002), but their neighbourhood, which the
-- public pages, the API's properties and counts and the analyses publish, was derived from the exact point: a home
-- whose exact point lay just inside neighbourhood A while its cell centre lay in B was published in A, telling
-- which side of the boundary the front door is on. Every derivation now starts from public_point(geom,
-- location_precision), which is geom itself for every place that is not a home: the per-row trigger (which now
-- also runs when a place becomes, or stops being, a home), the re-derivation under changed boundaries, and the
-- asset importer's set-based lookup (assetmap/ingest/sql/asset_upsert.sql). Analyses and exchanges keep reading
-- neighbourhood_id, so a home's offers and exchanges count in the neighbourhood the map shows it in.
--
-- Written to be run again (tests/ingest/test_home_neighbourhood.py re-runs it to check the re-derivation).
CREATE OR REPLACE FUNCTION assets_set_neighbourhood() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT n.id INTO NEW.neighbourhood_id
      FROM neighbourhoods n WHERE ST_Covers(n.geom, public_point(NEW.geom, NEW.location_precision))
     ORDER BY n.id LIMIT 1;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER assets_neighbourhood
    BEFORE INSERT OR UPDATE OF geom, location_precision, neighbourhood_id ON assets
    FOR EACH ROW WHEN (current_setting('assetmap.neighbourhoods_given', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION assets_set_neighbourhood();

-- 0011's body, with the assets found and placed by their public point. The spatial index is on the exact point
-- (public_geom's covers published rows only), so the search widens by 0.01°: more than the 177 m from any point
-- of a 250 m cell to its centre, in degrees of longitude too, as far north as Shetland.
CREATE OR REPLACE FUNCTION rederive_neighbourhoods_within(changed geometry[]) RETURNS void LANGUAGE sql AS $$
    UPDATE assets a
       SET neighbourhood_id = neighbourhood_at(a.public_geom)
      FROM unnest(changed) AS c(geom)
     WHERE ST_DWithin(a.geom, c.geom, 0.01)
       AND ST_Intersects(a.public_geom, c.geom)
       AND a.neighbourhood_id IS DISTINCT FROM neighbourhood_at(a.public_geom);
    UPDATE service_sites s
       SET neighbourhood_id = neighbourhood_at(s.geom)
      FROM unnest(changed) AS c(geom)
     WHERE ST_Intersects(s.geom, c.geom)
       AND s.neighbourhood_id IS DISTINCT FROM neighbourhood_at(s.geom);
    SELECT catchment_pieces_refresh(array_agg(DISTINCT sc.service_id))
      FROM unnest(changed) AS c(geom)
      JOIN service_catchments sc ON sc.geom && ST_Transform(c.geom, 27700);
$$;

-- The homes already placed by their exact point. Not an edit by anyone: no new version, no new updated_at.
ALTER TABLE assets DISABLE TRIGGER assets_touch;
UPDATE assets
   SET neighbourhood_id = neighbourhood_at(public_geom)
 WHERE location_precision <> 'exact'
   AND neighbourhood_id IS DISTINCT FROM neighbourhood_at(public_geom);
ALTER TABLE assets ENABLE TRIGGER assets_touch;

-- Import speed (issue 12): assets_published_geom_idx (0001) is a GiST index on the exact point of published
-- assets, a second copy of most of assets_geom_idx's entries, and no query needs it: public readers search
-- public_geom and tile_geom (each with its own index), and the searches on the exact point (near-duplicates,
-- boundaries re-derived) are not limited to published assets; one that is gets assets_geom_idx
-- (tests/ingest/test_asset_indexes.py). Each GiST index costs a bulk import about 3 µs a row.
DROP INDEX IF EXISTS assets_published_geom_idx;
