-- Vector tiles read points already in the tiles' projection. Projecting every point of a low-zoom tile to
-- EPSG:3857 on request was most of its cost (a z6 grid tile of 1.2M assets: 4–5 s, against 0.5 s from stored
-- points). The stored point is the PUBLIC one (a private home's generalised point), so a tile can never carry a
-- front door, whatever its zoom.
ALTER TABLE assets
    ADD COLUMN tile_geom geometry(Point, 3857)
        GENERATED ALWAYS AS (ST_Transform(public_point(geom, location_precision), 3857)) STORED;
CREATE INDEX assets_tile_geom_idx ON assets USING gist (tile_geom) WHERE status = 'published';

-- Tiles read the public view like every other public reader (new columns go last: CREATE OR REPLACE VIEW rule).
CREATE OR REPLACE VIEW public_assets AS
SELECT a.id,
       a.public_id,
       a.name,
       a.category,
       a.tags,
       a.description,
       a.audience,
       a.accessibility,
       a.organisation_id,
       CASE WHEN a.is_private_home THEN '' ELSE a.address END AS address,
       CASE WHEN a.is_private_home THEN NULL ELSE a.postcode END AS postcode,
       a.public_geom AS geom,
       a.location_precision,
       a.is_private_home,
       a.neighbourhood_id,
       a.created_at,
       a.updated_at,
       a.organisation_name,
       coalesce(o.name, nullif(a.organisation_name, '')) AS organisation,
       o.website AS organisation_website,
       n.code AS neighbourhood_code,
       n.name AS neighbourhood_name,
       cat.label AS category_label,
       coalesce((SELECT jsonb_agg(c.offer ORDER BY c.id) FROM public_capacity_offers c WHERE c.asset_id = a.id),
                '[]'::jsonb) AS capacity,
       a.last_confirmed_at,
       a.tile_geom
  FROM assets a
  LEFT JOIN organisations o ON o.id = a.organisation_id
  LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
  LEFT JOIN categories cat ON cat.code = a.category
 WHERE a.status = 'published';

-- A version is what an entry says, not where the tiles draw it.
CREATE OR REPLACE FUNCTION asset_snapshot(asset bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(a) - 'edit_token_hash' - 'geom' - 'public_geom' - 'tile_geom'
           || jsonb_build_object(
                  'lon', ST_X(a.geom), 'lat', ST_Y(a.geom),
                  'offers', coalesce((SELECT jsonb_agg(to_jsonb(o) - 'asset_id' ORDER BY o.id)
                                        FROM capacity_offers o WHERE o.asset_id = a.id), '[]'::jsonb))
      FROM assets a WHERE a.id = asset
$$;

-- Neighbourhoods in the tiles' projection, for the same reason.
ALTER TABLE neighbourhoods
    ADD COLUMN tile_geom geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX neighbourhoods_tile_geom_idx ON neighbourhoods USING gist (tile_geom);

-- Service sites and catchments as the public may see them, for tiles and every later public reader. A home
-- visit's stored point stands for visits in people's homes (it may be a home), so home-visit sites are left out:
-- their service's catchment shows where they reach. Only active services.
ALTER TABLE service_sites
    ADD COLUMN tile_geom geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX service_sites_tile_geom_idx ON service_sites USING gist (tile_geom);
ALTER TABLE service_catchments
    ADD COLUMN tile_geom geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX service_catchments_tile_geom_idx ON service_catchments USING gist (tile_geom);

CREATE VIEW public_service_sites AS
SELECT t.id, t.service_id, t.name, t.kind, t.address, t.postcode, t.geom, t.neighbourhood_id, t.schedule,
       s.name AS service_name, s.agency, s.agency_kind, s.theme, t.tile_geom
  FROM service_sites t
  JOIN services s ON s.id = t.service_id
 WHERE s.status = 'active'
   AND t.kind <> 'home_visit';

CREATE VIEW public_catchments AS
SELECT c.service_id, s.name AS service_name, s.agency, s.agency_kind, s.theme, c.geom AS geom_bng, c.tile_geom
  FROM service_catchments c
  JOIN services s ON s.id = c.service_id
 WHERE s.status = 'active';
