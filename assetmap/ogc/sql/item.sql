SELECT json_build_object(
           'type', 'Feature',
           'id', s.id,
           'geometry', ST_AsGeoJSON(ST_Transform(s.geom, 4326), 7)::json,
           'properties', {properties}
       )
  FROM ({source}) s
 WHERE s.id = %(id)s
