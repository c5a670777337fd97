-- The Total Place count per neighbourhood (analysis_spend, the page's filters applied): spend a year and per head.
SELECT n.tile_geom, s.code, s.name, s.population, s.services, s.spend_total::float8 AS spend_total,
       s.spend_per_head::float8 AS spend_per_head
  FROM analysis_spend(%(themes)s, %(groups)s, %(agency_kinds)s) s
  JOIN neighbourhoods n ON n.id = s.neighbourhood_id
