SELECT a.tile_geom, a.public_id::text AS id, a.category, jsonb_array_length(a.capacity) > 0 AS capacity
  FROM public_assets a
 WHERE (%(categories)s::text[] IS NULL OR a.category = ANY(%(categories)s))
