-- The figures of a workshop's area, for its report, in one row of JSON arrays:
--   hoods     its neighbourhoods: the ones chosen at set-up, else those the drawn area covers more than an edge of;
--   services  the active services that touch them (a catchment's piece of one of them, or a site in one);
--   pairs     the pairs of those catchments that overlap inside them, with the area and the people they share
--             there, measured from the stored pieces (catchment_pieces) as analysis_overlaps measures the town.
WITH w AS (
    SELECT area, neighbourhood_ids FROM workshops WHERE id = %(workshop)s
), hoods AS MATERIALIZED (
    SELECT n.id, n.code, n.name, n.population, n.area_m2, n.geom
      FROM neighbourhoods n, w
     WHERE CASE WHEN cardinality(w.neighbourhood_ids) > 0 THEN n.id = ANY (w.neighbourhood_ids)
                ELSE n.geom && w.area AND ST_Intersects(n.geom, w.area) AND NOT ST_Touches(n.geom, w.area) END
), active AS MATERIALIZED (
    SELECT s.* FROM services s
     WHERE s.status = 'active'
       AND (s.id IN (SELECT p.service_id FROM catchment_pieces p WHERE p.neighbourhood_id IN (SELECT id FROM hoods))
            OR s.id IN (SELECT si.service_id FROM service_sites si
                         WHERE si.neighbourhood_id IN (SELECT id FROM hoods)))
), shared AS (
    SELECT pa.service_id AS a, pb.service_id AS b, coalesce(h.population / nullif(h.area_m2, 0), 0) AS density,
           analysis_shared_area(pa, pb) AS area
      FROM catchment_pieces pa
      JOIN catchment_pieces pb ON pb.neighbourhood_id = pa.neighbourhood_id AND pb.service_id > pa.service_id
      JOIN hoods h ON h.id = pa.neighbourhood_id
     WHERE (pa.whole OR pb.whole OR pa.piece && pb.piece)
       AND pa.service_id IN (SELECT id FROM active) AND pb.service_id IN (SELECT id FROM active)
), pairs AS (
    -- the analyses' tolerance for the slivers of the WGS84 → EPSG:27700 round trip (20_overlaps.sql)
    SELECT a, b, sum(area) AS area, sum(area * density) AS people FROM shared GROUP BY a, b HAVING sum(area) > 0.01
)
SELECT
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', id, 'code', code, 'name', name, 'population', population,
                'geometry', ST_AsGeoJSON(geom, 6)::jsonb) ORDER BY code), '[]') FROM hoods) AS hoods,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', id, 'name', name, 'agency', agency, 'agency_kind', agency_kind, 'theme', theme,
                'annual_spend', annual_spend) ORDER BY agency, name, id), '[]') FROM active) AS services,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'service_a', sa.name, 'agency_a', sa.agency, 'service_b', sb.name, 'agency_b', sb.agency,
                'area_km2', p.area / 1e6, 'people', p.people,
                'shared_client_groups', ARRAY(SELECT g FROM unnest(sa.client_groups) AS g
                                               WHERE g = ANY (sb.client_groups) ORDER BY g),
                'same_agency', lower(btrim(sa.agency)) = lower(btrim(sb.agency)))
            ORDER BY p.people DESC, p.area DESC, p.a, p.b), '[]')
       FROM pairs p JOIN active sa ON sa.id = p.a JOIN active sb ON sb.id = p.b) AS pairs
