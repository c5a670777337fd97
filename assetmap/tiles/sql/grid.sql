-- A point layer counted in a grid, at zooms where points would pile up: one feature per occupied cell, at the
-- centre of its points, with their number as `count`. Cells are aligned to the whole map, not to the tile, so a
-- cell is the same whichever tile asks, and every point is counted in exactly one tile (half-open edges).
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e),
     cells AS (
    SELECT count(*)::int AS count,
           ST_SetSRID(ST_MakePoint(avg(ST_X(src.tile_geom)), avg(ST_Y(src.tile_geom))), 3857) AS centre
      FROM ({source}) src, env
     WHERE src.tile_geom && env.e
       AND ST_X(src.tile_geom) >= ST_XMin(env.e) AND ST_X(src.tile_geom) < ST_XMax(env.e)
       AND ST_Y(src.tile_geom) >= ST_YMin(env.e) AND ST_Y(src.tile_geom) < ST_YMax(env.e)
     GROUP BY floor(ST_X(src.tile_geom) / %(cell)s), floor(ST_Y(src.tile_geom) / %(cell)s)
)
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom')
  FROM (SELECT ST_AsMVTGeom(c.centre, env.e, 4096, 0, true) AS geom, c.count FROM cells c, env) t
