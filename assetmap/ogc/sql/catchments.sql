-- The areas active services cover, stored in British National Grid (EPSG:27700); sent in CRS84.
SELECT c.service_id AS k, c.service_id AS id, c.geom_bng AS geom,
       c.service_name AS service, c.agency, c.agency_kind, c.theme
  FROM public_catchments c
