SELECT c.tile_geom, c.service_id AS id, c.service_name AS service, c.agency, c.theme
  FROM public_catchments c
 WHERE (%(themes)s::text[] IS NULL OR c.theme = ANY(%(themes)s))
