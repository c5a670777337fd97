-- The services an analysis looks at, their catchments, and the population a shape covers.
-- Repeatable SQL: re-applied by `assetmap db migrate` whenever it changes (see assetmap/db/migrate.py).
-- The functions only read, and say so (PARALLEL SAFE): one unmarked function anywhere in a query keeps PostgreSQL
-- from planning any part of it in parallel, and the overlaps' cutting is worth two workers.

-- Active services, optionally only those of some themes, client groups (any shared) or agency kinds.
CREATE FUNCTION analysis_services(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                                  agency_kinds text[] DEFAULT NULL)
RETURNS SETOF services LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.*
      FROM services s
     WHERE s.status = 'active'
       AND (themes IS NULL OR s.theme = ANY (themes))
       AND (groups IS NULL OR s.client_groups && groups)
       AND (agency_kinds IS NULL OR s.agency_kind = ANY (agency_kinds))
$$;

-- One catchment per service: the union of its areas, in EPSG:27700 (metres), as stored in service_catchments
-- (migration 0011, kept current by triggers on service_areas).
CREATE FUNCTION analysis_catchments(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                                    agency_kinds text[] DEFAULT NULL)
RETURNS TABLE (service_id bigint, geom geometry, area_m2 double precision) LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.service_id, c.geom, c.area_m2
      FROM service_catchments c
      JOIN analysis_services(themes, groups, agency_kinds) s ON s.id = c.service_id
$$;

-- The part of a shape (EPSG:27700) that lies in a neighbourhood, as a fraction of the neighbourhood's area.
-- A neighbourhood wholly inside counts 1 without an intersection being computed.
CREATE FUNCTION analysis_fraction_within(g geometry, n geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ST_Covers(g, n) THEN 1.0
                ELSE ST_Area(ST_Intersection(g, n)) / ST_Area(n) END
$$;

-- The population living in a shape (EPSG:27700), apportioned by area: a neighbourhood half inside counts half its
-- population. Neighbourhoods without a population count nothing.
CREATE FUNCTION analysis_population_within(g geometry) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(n.population * analysis_fraction_within(g, n.geom_bng)), 0)
      FROM neighbourhoods n
     WHERE n.geom_bng && g
       AND ST_Intersects(n.geom_bng, g)
       AND n.population IS NOT NULL
$$;
