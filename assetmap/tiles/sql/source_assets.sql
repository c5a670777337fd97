-- `capacity`: whether the asset has an offer the public sees (public_capacity_offers' rule, by the functions of
-- migration 0031), asked directly: reading it through public_assets.capacity planned two layers of views and built
-- each point's offers as JSON for one yes/no.
SELECT a.tile_geom, a.public_id::text AS id, a.category,
       EXISTS (SELECT 1
                 FROM capacity_offers o JOIN capacity_kinds k ON k.code = o.kind
                WHERE o.asset_id = a.id AND offer_is_live(o.status, o.valid_to)
                  AND NOT offer_totals_only(a.is_private_home, k.totals_only)) AS capacity
  FROM public_assets a
 WHERE (%(categories)s::text[] IS NULL OR a.category = ANY(%(categories)s))
