-- A workshop's catchments layer: each active service's catchment as the analyses read it (analysis_catchments:
-- the union of its areas, in EPSG:27700), simplified there in metres before it goes back to WGS84. {reaches} is
-- the area test on c.geom (EPSG:27700), composed by layers.py.
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', s.public_id,
           'geometry', ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(c.geom, %(simplify_m)s), 4326), 6)::json,
           'properties', json_build_object('name', s.name, 'agency', s.agency, 'theme', s.theme,
                                           'theme_label', th.label))
         ORDER BY s.name, s.id), '[]')::text,
       count(*)
  FROM analysis_catchments() c
  JOIN services s ON s.id = c.service_id
  JOIN themes th ON th.code = s.theme
 WHERE {reaches}
