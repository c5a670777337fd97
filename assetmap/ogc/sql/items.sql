-- One page of a collection: the keys first (the index walks them in order from where the page starts, and stops
-- one row past the page: whether another page follows, without counting them all), then those rows' features.
WITH page AS (
    SELECT s.k
      FROM ({source}) s
     WHERE {where}
     ORDER BY s.k
     LIMIT %(fetch)s OFFSET %(offset)s
), numbered AS (
    SELECT p.k, row_number() OVER (ORDER BY p.k) AS rn FROM page p
)
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature',
           'id', s.id,
           'geometry', ST_AsGeoJSON(ST_Transform(s.geom, 4326), 7)::json,
           'properties', {properties}
       ) ORDER BY s.k) FILTER (WHERE n.rn <= %(limit)s), '[]'::json)::text,
       count(*) FILTER (WHERE n.rn <= %(limit)s),
       count(*) > %(limit)s,
       max(s.k) FILTER (WHERE n.rn <= %(limit)s)
  FROM numbered n
  JOIN ({source}) s ON s.k = n.k
