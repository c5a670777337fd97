-- A workshop's assets layer: published assets from public_assets only. Its geom is the public point (a private
-- home's generalised one), so both the area test and the map use where the public may see an asset: shrinking an
-- area round a home cannot find its front door. {inside} is the area test on a.geom, composed by layers.py.
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', a.public_id, 'geometry', ST_AsGeoJSON(a.geom, 6)::json,
           'properties', json_build_object('name', a.name, 'category', a.category,
                                           'category_label', a.category_label,
                                           'private_home', a.is_private_home))
         ORDER BY a.name, a.id), '[]')::text,
       count(*)
  FROM public_assets a
 WHERE {inside}
