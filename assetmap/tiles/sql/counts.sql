-- A point layer's grid at a low zoom, from its stored counts (tile_counts, migration 0020): the same cells as
-- grid.sql, each with the number of points in it (summed over the chosen filter codes) at the centre of its
-- points. The counts are kept by the triggers that watch the layer's table, so this reads one row per occupied
-- cell and code, never the points.
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e),
     cells AS (
    SELECT t.cx, t.cy, sum(t.n)::int AS count, sum(t.sx) / sum(t.n) AS mx, sum(t.sy) / sum(t.n) AS my
      FROM tile_counts t
     WHERE t.layer = %(layer)s AND t.z = %(z)s
       AND t.cx >= %(cx)s AND t.cx < %(cx)s + %(cells)s AND t.cy >= %(cy)s AND t.cy < %(cy)s + %(cells)s
       AND (%(codes)s::text[] IS NULL OR t.code = ANY(%(codes)s))
     GROUP BY t.cx, t.cy
    HAVING sum(t.n) > 0
)
-- The centre is kept inside its cell: sums that went up and down carry a rounding error a cell on the tile's
-- edge could be pushed out by.
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom')
  FROM (SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(
                   least(greatest(c.mx, c.cx * %(cell)s), (c.cx + 1) * %(cell)s),
                   least(greatest(c.my, c.cy * %(cell)s), (c.cy + 1) * %(cell)s)), 3857), env.e, 4096, 0, true) AS geom,
               c.count
          FROM cells c, env) t
