-- Skills and volunteer hours that residents offer from home are personal data: publicly they are shown only as
-- neighbourhood totals, and only where enough people stand behind a total (docs/architecture.md, "Totals only").
-- Which kinds are personal when a private home offers them is a property of the kind, kept with the vocabulary
-- (data/capacity_kinds.csv, synced by `db migrate`), so the views below enforce it for every reader (pages, API,
-- tiles, OGC, exports, workshops, a read replica) whatever process or settings it runs with.
ALTER TABLE capacity_kinds ADD COLUMN totals_only boolean NOT NULL DEFAULT false;

-- Every offer that is live on the map: active and current, of a published asset. `totals_only` marks the ones a
-- private home made of a totals-only kind: planners see them, the public only in capacity_totals().
CREATE VIEW live_capacity_offers AS
SELECT o.id, o.asset_id, o.kind, o.description, o.quantity, o.unit, o.schedule, o.audience, o.cost,
       o.valid_from, o.valid_to, offer_json(o, k) AS offer, coalesce(o.schedule_text, o.schedule) AS schedule_text,
       o.last_confirmed_at, a.neighbourhood_id, (a.is_private_home AND ck.totals_only) AS totals_only
  FROM capacity_offers o
  JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
  JOIN capacity_kinds ck ON ck.code = o.kind
  LEFT JOIN costs k ON k.code = o.cost
 WHERE o.status = 'active'
   AND (o.valid_to IS NULL OR o.valid_to >= current_date);

-- Same columns as before (CREATE OR REPLACE VIEW rule); public_assets.capacity reads this view, so the asset's
-- JSON, its popup and its capacity ring lose these offers too.
CREATE OR REPLACE VIEW public_capacity_offers AS
SELECT id, asset_id, kind, description, quantity, unit, schedule, audience, cost, valid_from, valid_to, offer,
       schedule_text, last_confirmed_at
  FROM live_capacity_offers
 WHERE NOT totals_only;

-- Per neighbourhood, kind and unit: the people (homes) offering, their offers and the quantity offered, only where
-- at least `min_people` homes stand behind the row. The threshold is applied here, not by callers, so no reader
-- can publish a smaller total by forgetting it; below it there is no row at all (not "fewer than N").
CREATE FUNCTION capacity_totals(min_people integer)
RETURNS TABLE (neighbourhood_id bigint, kind text, unit text, people bigint, offers bigint, quantity numeric)
LANGUAGE sql STABLE AS $$
    SELECT o.neighbourhood_id, o.kind, o.unit, count(DISTINCT o.asset_id), count(*), sum(o.quantity)
      FROM live_capacity_offers o
     WHERE o.totals_only AND o.neighbourhood_id IS NOT NULL
     GROUP BY o.neighbourhood_id, o.kind, o.unit
    HAVING count(DISTINCT o.asset_id) >= greatest(min_people, 1)
$$;
