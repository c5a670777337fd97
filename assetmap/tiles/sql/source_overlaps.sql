-- The area each overlapping pair of catchments shares, with the people living in it, for the pairs whose
-- catchments reach this tile only: the shapes are cut on request (analysis_overlap_shape), never for the whole map.
-- The analyses' tolerance for slivers (0.01 m²) is kept.
SELECT ST_Transform(o.shape, 3857) AS tile_geom, x.service_id AS service_a, y.service_id AS service_b,
       sa.name AS name_a, sb.name AS name_b,
       round((ST_Area(o.shape_bng) / 1e6)::numeric, 3)::float8 AS overlap_km2,
       round(analysis_population_within(o.shape_bng))::int AS population_both
  FROM analysis_catchments(%(themes)s, %(groups)s, %(agency_kinds)s) x
  JOIN analysis_catchments(%(themes)s, %(groups)s, %(agency_kinds)s) y
    ON y.service_id > x.service_id AND y.geom && x.geom
  JOIN service_catchments cx ON cx.service_id = x.service_id
  JOIN service_catchments cy ON cy.service_id = y.service_id
  JOIN services sa ON sa.id = x.service_id
  JOIN services sb ON sb.id = y.service_id
 CROSS JOIN LATERAL (SELECT shape, ST_Transform(shape, 27700) AS shape_bng
                       FROM analysis_overlap_shape(x.service_id, y.service_id) AS shape) o
 WHERE cx.tile_geom && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)
   AND cy.tile_geom && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)
   AND ST_Area(o.shape_bng) > 0.01
