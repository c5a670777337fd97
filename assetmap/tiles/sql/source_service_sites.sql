SELECT t.tile_geom, t.id, t.name, t.kind, t.service_name AS service, t.agency, t.theme
  FROM public_service_sites t
 WHERE (%(themes)s::text[] IS NULL OR t.theme = ANY(%(themes)s))
