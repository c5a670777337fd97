-- A workshop's services layer: where active services meet people, as the public may see them
-- (public_service_sites: no home-visit sites, whose stored point may be a home; their service's catchment, in the
-- catchments layer, shows where they reach). {inside} is the area test on t.geom.
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature', 'geometry', ST_AsGeoJSON(t.geom, 6)::json,
           'properties', json_build_object(
               'name', t.name, 'service', t.service_name, 'agency', t.agency, 'kind', t.kind,
               'kind_label', CASE t.kind WHEN 'outreach' THEN 'Outreach session' ELSE 'Service site' END))
         ORDER BY t.service_name, t.name, t.id), '[]')::text,
       count(*)
  FROM public_service_sites t
 WHERE {inside}
