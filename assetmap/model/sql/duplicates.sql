-- Near-duplicates of each asset in %(ids)s: other live (not archived) assets whose name is at least
-- %(similarity)s alike (pg_trgm) and that stand within %(near)s metres or share the postcode. A shared postcode
-- alone never makes a duplicate: a postcode holds a whole street of different places.
--
-- The near branch starts from the spatial index, with a box round the circle in degrees (no geography function
-- per row), not from the trigram index: names repeat across a town ("Community Centre"), so few rows are near but
-- many are alike. The postcode branch uses the expression index.
SELECT a.id AS of_id, d.*
  FROM assets a
 CROSS JOIN LATERAL (
       SELECT o.id, o.public_id, o.name, o.status, o.postcode,
              similarity(o.name, a.name) AS similarity,
              ST_Distance(o.geom::geography, a.geom::geography) AS distance_m,
              coalesce(upper(replace(o.postcode, ' ', '')) = upper(replace(a.postcode, ' ', '')), false)
                  AS same_postcode
         FROM assets o
        WHERE o.id <> a.id
          AND o.status <> 'archived'
          AND similarity(o.name, a.name) >= %(similarity)s
          AND ((o.geom && ST_Expand(a.geom, %(box)s / greatest(cos(radians(ST_Y(a.geom))), 0.01), %(box)s)
                AND ST_DWithin(o.geom::geography, a.geom::geography, %(near)s))
               OR (o.postcode IS NOT NULL
                   AND upper(replace(o.postcode, ' ', '')) = upper(replace(a.postcode, ' ', ''))))
        ORDER BY similarity(o.name, a.name) DESC, ST_Distance(o.geom::geography, a.geom::geography), o.id
        LIMIT %(most)s
       ) d
 WHERE a.id = ANY(%(ids)s)
