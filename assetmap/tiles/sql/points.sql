-- A point layer at zooms where each point can be told apart: each point with its few properties, named (the
-- layer's fields, put in below): building a jsonb of each row for ST_AsMVT to spread made a dense z14 tile three
-- times dearer (docs/benchmarks.md). The tile's edge is half-open, so a point on a shared edge belongs to one tile
-- only; the buffer draws markers that straddle the edge whole.
-- The source (source_<layer>.sql, put in below) yields `tile_geom` (EPSG:3857) and the properties.
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e)
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom')
  FROM (SELECT ST_AsMVTGeom(src.tile_geom, env.e, 4096, 64, true) AS geom, {properties}
          FROM ({source}) src, env
         WHERE src.tile_geom && env.e
           AND ST_X(src.tile_geom) >= ST_XMin(env.e) AND ST_X(src.tile_geom) < ST_XMax(env.e)
           AND ST_Y(src.tile_geom) >= ST_YMin(env.e) AND ST_Y(src.tile_geom) < ST_YMax(env.e)) t
