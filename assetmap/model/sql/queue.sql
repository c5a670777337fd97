-- One page of the moderation queue: what waits (queue_entries.sql, composed in by queue.py) matching the filters, in the
-- order asked for. {where} and {order} are composed by queue.py from fixed fragments; every value is bound.
SELECT a.id, a.public_id, a.name, a.category, c.label AS category_label, a.description, a.audience,
       a.accessibility, a.organisation_name, a.address, a.postcode, a.contact_email, a.contact_phone,
       a.is_private_home, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, n.name AS neighbourhood_name,
       a.source, a.created_at, a.version, a.is_change
  FROM {entries}
  JOIN categories c ON c.code = a.category
  LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
 WHERE {where}
 ORDER BY {order}
 LIMIT %(limit)s OFFSET %(offset)s
