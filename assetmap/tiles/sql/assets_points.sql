-- Published assets as points, at zooms where each can be told apart. Few properties: what a marker needs to be
-- drawn and to ask the API for its popup. The tile's edge is half-open, so a point on a shared edge belongs to one
-- tile only; the buffer draws markers that straddle the edge whole on both sides.
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e)
SELECT ST_AsMVT(t, 'assets', 4096, 'geom')
  FROM (SELECT ST_AsMVTGeom(a.tile_geom, env.e, 4096, 64, true) AS geom, a.public_id::text AS id, a.category,
               (jsonb_array_length(a.capacity) > 0) AS capacity
          FROM public_assets a, env
         WHERE a.tile_geom && env.e
           AND ST_X(a.tile_geom) >= ST_XMin(env.e) AND ST_X(a.tile_geom) < ST_XMax(env.e)
           AND ST_Y(a.tile_geom) >= ST_YMin(env.e) AND ST_Y(a.tile_geom) < ST_YMax(env.e)
           AND (%(categories)s::text[] IS NULL OR a.category = ANY(%(categories)s))) t
