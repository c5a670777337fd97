-- Neighbourhood boundaries, simplified to about a pixel of this zoom before they are clipped to the tile.
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e)
SELECT ST_AsMVT(t, 'neighbourhoods', 4096, 'geom')
  FROM (SELECT ST_AsMVTGeom(ST_Simplify(n.tile_geom, %(pixel)s, true), env.e, 4096, 64, true) AS geom,
               n.code, n.name
          FROM neighbourhoods n, env
         WHERE n.tile_geom && env.e) t
 WHERE t.geom IS NOT NULL
