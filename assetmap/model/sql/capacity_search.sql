-- Spare capacity anyone can find: active offers of published assets (the public views: a private home is at its
-- generalised point, so distances are measured from that, never from the home). {where} is composed by
-- capacity_search.py from bound parameters; {order} is nearest first when a place was given. {offers} is
-- public_capacity_offers, or for planners live_capacity_offers, which adds the offers published only as totals
-- ({withheld} marks them).
SELECT o.id AS offer_id,
       a.public_id,
       a.name AS asset_name,
       o.kind,
       k.label AS kind_label,
       o.quantity,
       o.unit,
       o.schedule,
       o.schedule_text,
       o.cost,
       o.offer ->> 'cost_label' AS cost_label,
       o.audience,
       o.description,
       o.last_confirmed_at,
       a.organisation,
       a.neighbourhood_code,
       a.neighbourhood_name,
       ST_X(a.geom) AS lon,
       ST_Y(a.geom) AS lat,
       {distance} AS distance_m,
       {withheld} AS withheld
  FROM {offers} o
  JOIN public_assets a ON a.id = o.asset_id
  JOIN capacity_kinds k ON k.code = o.kind
 WHERE {where}
 ORDER BY {order}
 LIMIT %(limit)s
