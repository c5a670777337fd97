-- A workshop's capacity layer: one feature per public offer, at its asset's public point (public_assets: a private
-- home's generalised one). Offers gone stale leave it as they leave capacity search (model/freshness.py); those
-- only due are kept and marked, as the public map marks them. {inside} is the area test on a.geom.
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', o.id, 'geometry', ST_AsGeoJSON(a.geom, 6)::json,
           'properties', json_build_object(
               'name', a.name, 'kind', o.kind, 'kind_label', k.label, 'quantity', o.quantity, 'unit', o.unit,
               -- the unit's own words, as the units vocabulary gives them for this quantity: "10 hours a week"
               'unit_words', CASE WHEN o.quantity = 1 THEN u.singular ELSE u.plural END,
               'schedule_text', o.schedule_text,
               'unconfirmed', o.last_confirmed_at < %(due_before)s))
         ORDER BY a.name, o.id), '[]')::text,
       count(*)
  FROM public_capacity_offers o
  JOIN public_assets a ON a.id = o.asset_id
  JOIN capacity_kinds k ON k.code = o.kind
  LEFT JOIN units u ON u.code = o.unit
 WHERE o.last_confirmed_at >= %(stale_before)s
   AND {inside}
