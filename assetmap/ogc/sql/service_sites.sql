-- Where active services meet people; home visits are left out by the view (their point may be a home).
SELECT t.id AS k, t.id, t.geom,
       t.name, t.kind, t.address, t.postcode, t.schedule, t.service_name AS service, t.agency, t.agency_kind,
       t.theme, n.code AS neighbourhood
  FROM public_service_sites t
  LEFT JOIN neighbourhoods n ON n.id = t.neighbourhood_id
