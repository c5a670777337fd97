-- A polygon layer, each shape simplified to about a pixel of this zoom before it is clipped to the tile.
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e)
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom')
  FROM (SELECT ST_AsMVTGeom(ST_Simplify(src.tile_geom, %(pixel)s, true), env.e, 4096, 64, true) AS geom,
               to_jsonb(src) - 'tile_geom' AS props
          FROM ({source}) src, env
         WHERE src.tile_geom && env.e) t
 WHERE t.geom IS NOT NULL
