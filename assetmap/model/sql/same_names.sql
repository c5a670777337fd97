-- Live entries with the same name as each asset in %(ids)s (ignoring case and outer spaces) but further away than
-- a near-duplicate: a branch of the same club, or the same place with its pin in the wrong street.
-- `%%` (pg_trgm's similarity operator) lets the trigram index find the candidates; the equality then decides.
SELECT a.id AS of_id, o.id, o.public_id, o.name, o.status,
       ST_Distance(o.geom::geography, a.geom::geography) AS distance_m
  FROM assets a
  JOIN assets o ON o.name %% a.name
               AND lower(btrim(o.name)) = lower(btrim(a.name))
               AND o.id <> a.id
               AND o.status <> 'archived'
               AND NOT ST_DWithin(o.geom::geography, a.geom::geography, %(near)s)
 WHERE a.id = ANY(%(ids)s)
 ORDER BY a.id, distance_m
