-- One chunk of an asset import in one statement: the assets staged in import_assets upserted by (source,
-- source_ref), the old offers of those updated deleted and the staged ones (import_offers) inserted, and a version
-- of each asset written from what the inserts return, so no row is read back. Every part of a statement sees the
-- table as it was before it, so the DELETE cannot see the offers being added. The version document is
-- asset_snapshot()'s, composed in assets.py from the catalogue (so a new column is kept); tests/ingest check it
-- equals asset_snapshot(). Foreign keys between the three inserts are checked at the end of the statement.
--
-- The neighbourhood is looked up once per distinct point (rows geocoded by postcode share theirs) by the rule of
-- assets_set_neighbourhood(): the lowest id of the neighbourhoods covering the public point (a private home's
-- generalised one, so its neighbourhood never tells which side of a boundary its front door is on; migration
-- 0027). The caller turns on
-- assetmap.neighbourhoods_given around this statement, so the per-row trigger steps aside (migration 0019).
-- A planner's archive (or merge) or rejection outlives a re-import; anything else takes the status given.
WITH points AS (
    SELECT DISTINCT lon, lat, is_private_home,
           CASE WHEN is_private_home THEN 'generalised' ELSE 'exact' END AS location_precision
      FROM import_assets
), placed AS MATERIALIZED (   -- one lookup per point, not per row
    SELECT p.lon, p.lat, p.is_private_home, p.location_precision,
           (SELECT n.id FROM neighbourhoods n
             WHERE ST_Covers(n.geom, public_point(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), p.location_precision))
             ORDER BY n.id LIMIT 1) AS neighbourhood_id
      FROM points p
), up AS (
    INSERT INTO assets (name, category, description, audience, accessibility, organisation_name, address, postcode,
                        contact_email, contact_phone, is_private_home, location_precision, geom, neighbourhood_id,
                        status, source, source_ref)
    SELECT s.name, s.category, s.description, s.audience, s.accessibility, s.organisation_name, s.address, s.postcode,
           s.contact_email, s.contact_phone, s.is_private_home, pl.location_precision,
           ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), pl.neighbourhood_id, %(status)s, %(source)s, s.source_ref
      FROM import_assets s JOIN placed pl USING (lon, lat, is_private_home)
     ORDER BY s.ord
    ON CONFLICT (source, source_ref) DO UPDATE SET
        name = EXCLUDED.name, category = EXCLUDED.category, description = EXCLUDED.description,
        audience = EXCLUDED.audience, accessibility = EXCLUDED.accessibility,
        organisation_name = EXCLUDED.organisation_name, address = EXCLUDED.address,
        postcode = EXCLUDED.postcode, contact_email = EXCLUDED.contact_email,
        contact_phone = EXCLUDED.contact_phone, is_private_home = EXCLUDED.is_private_home,
        location_precision = EXCLUDED.location_precision, geom = EXCLUDED.geom,
        neighbourhood_id = EXCLUDED.neighbourhood_id,
        status = CASE WHEN assets.status IN ('archived', 'rejected') THEN assets.status ELSE EXCLUDED.status END
    RETURNING assets.id, assets.source_ref, (assets.xmax = 0) AS inserted, assets.neighbourhood_id, assets.version,
              ST_X(assets.geom) AS lon, ST_Y(assets.geom) AS lat, {columns} AS columns
), dropped AS (
    DELETE FROM capacity_offers o USING up WHERE o.asset_id = up.id AND NOT up.inserted
), added AS (
    INSERT INTO capacity_offers (asset_id, kind, quantity, unit, schedule, schedule_text, cost, audience,
                                 description)
    SELECT up.id, s.kind, s.quantity, s.unit, s.schedule, s.schedule_text, s.cost, s.audience, s.description
      FROM import_offers s JOIN up USING (source_ref)
     ORDER BY up.id, s.ord
    RETURNING *
), offers AS (
    SELECT asset_id, jsonb_agg(to_jsonb(added) - 'asset_id' ORDER BY id) AS offers FROM added GROUP BY asset_id
), versions AS (
    INSERT INTO asset_versions (asset_id, version, actor, snapshot)
    SELECT up.id, up.version, %(actor)s,
           up.columns || jsonb_build_object('lon', up.lon, 'lat', up.lat,
                                            'offers', coalesce(offers.offers, '[]'::jsonb))
      FROM up LEFT JOIN offers ON offers.asset_id = up.id
        ON CONFLICT (asset_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot, at = now()
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
       count(*) FILTER (WHERE neighbourhood_id IS NULL)
  FROM up
