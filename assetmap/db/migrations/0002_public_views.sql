-- What the public may see. Every public page, API response and export reads these views, so privacy rules live
-- in one place instead of in each query.

-- A private home is shown at the centre of the 250 m British National Grid cell it falls in: close enough to
-- find a neighbourhood's assets, too coarse to find a front door. BNG is defined for Great Britain only; outside
-- it the point is still snapped (to a distorted grid), never shown exactly.
CREATE FUNCTION generalised_point(p geometry, cell_m double precision DEFAULT 250) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_Transform(
               ST_SetSRID(ST_MakePoint(floor(ST_X(bng) / cell_m) * cell_m + cell_m / 2,
                                       floor(ST_Y(bng) / cell_m) * cell_m + cell_m / 2), 27700),
               4326)
      FROM ST_Transform(p, 27700) AS bng
$$;

CREATE FUNCTION public_point(p geometry, location_precision text) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN location_precision = 'exact' THEN p ELSE generalised_point(p) END
$$;

-- Where the public sees each asset, kept beside the real point so that public bbox searches use their own index
-- and never touch the exact location (shrinking a bbox round a home must not find its front door).
ALTER TABLE assets
    ADD COLUMN public_geom geometry(Point, 4326)
        GENERATED ALWAYS AS (public_point(geom, location_precision)) STORED;
CREATE INDEX assets_public_geom_idx ON assets USING gist (public_geom) WHERE status = 'published';

-- Published assets, without private contact details, at their public location. Private homes also lose their
-- street address: it would undo the generalised point.
CREATE VIEW public_assets AS
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
       a.updated_at
  FROM assets a
 WHERE a.status = 'published';

CREATE VIEW public_capacity_offers AS
SELECT o.id, o.asset_id, o.kind, o.description, o.quantity, o.unit, o.schedule, o.audience, o.cost,
       o.valid_from, o.valid_to
  FROM capacity_offers o
  JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
 WHERE o.status = 'active'
   AND (o.valid_to IS NULL OR o.valid_to >= current_date);
