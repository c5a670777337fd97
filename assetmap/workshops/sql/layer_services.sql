-- A workshop's services layer: where active services meet people. Home-visit sites are left out: their stored
-- point stands for visits in people's homes (it may be a home, or a point made up for the area), and the project
-- has no public rule for showing it; their service's catchment (the catchments layer) shows where they reach.
-- {inside} is the area test on t.geom.
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature', 'geometry', ST_AsGeoJSON(t.geom, 6)::json,
           'properties', json_build_object(
               'name', t.name, 'service', s.name, 'agency', s.agency, 'kind', t.kind,
               'kind_label', CASE t.kind WHEN 'outreach' THEN 'Outreach session' ELSE 'Service site' END))
         ORDER BY s.name, t.name, t.id), '[]')::text,
       count(*)
  FROM service_sites t
  JOIN services s ON s.id = t.service_id
 WHERE s.status = 'active'
   AND t.kind <> 'home_visit'
   AND {inside}
