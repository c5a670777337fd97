-- An offer is drawn at its asset's public point; `id` is the offer's (a request names it), `asset` the asset's.
SELECT a.tile_geom, o.id, a.public_id::text AS asset, o.kind, o.quantity::float8 AS quantity, o.unit
  FROM public_capacity_offers o
  JOIN public_assets a ON a.id = o.asset_id
 WHERE (%(kinds)s::text[] IS NULL OR o.kind = ANY(%(kinds)s))
