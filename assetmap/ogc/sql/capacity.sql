-- Active spare capacity offers, each at its asset's public point; `asset` is the asset's public id.
SELECT o.id AS k, o.id, a.geom,
       a.public_id::text AS asset, a.name AS asset_name, a.category, o.kind, o.description,
       o.quantity::float8 AS quantity, o.unit, o.schedule, o.schedule_text, o.audience, o.cost,
       o.valid_from, o.valid_to, a.neighbourhood_code AS neighbourhood, o.last_confirmed_at
  FROM public_capacity_offers o
  JOIN public_assets a ON a.id = o.asset_id
