-- The catchments the analyses read (one per active service, the page's filters applied), for planners' maps.
SELECT c.tile_geom, s.id, s.name AS service, s.agency, s.agency_kind, s.theme
  FROM analysis_services(%(themes)s, %(groups)s, %(agency_kinds)s) s
  JOIN service_catchments c ON c.service_id = s.id
