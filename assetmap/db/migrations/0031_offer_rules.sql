-- Which offers are live, and which of them a private home may only show in totals, as two small SQL functions:
-- the views below and the assets tiles' `capacity` flag (tiles/sql/source_assets.sql) ask the same questions, so
-- the rules live here once. Plain SQL functions, not STRICT, so the planner inlines them into each query.
--
-- Why the tiles no longer read the flag through the views: public_assets.capacity builds every point's offers as
-- JSON through two layers of views for one yes/no; planning those views and building that JSON made a demo-town
-- z14 tile's SQL 1.4 ms against 0.6 ms asked directly, about half of it in each (docs/benchmarks.md).
CREATE FUNCTION offer_is_live(status text, valid_to date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT status = 'active' AND (valid_to IS NULL OR valid_to >= current_date)
$$;

CREATE FUNCTION offer_totals_only(private_home boolean, kind_totals_only boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT private_home AND kind_totals_only
$$;

-- Same columns and rows as 0030's (CREATE OR REPLACE VIEW rule), the rules now by name.
CREATE OR REPLACE VIEW live_capacity_offers AS
SELECT o.id, o.asset_id, o.kind, o.description, o.quantity, o.unit, o.schedule, o.audience, o.cost,
       o.valid_from, o.valid_to, offer_json(o, k) AS offer, coalesce(o.schedule_text, o.schedule) AS schedule_text,
       o.last_confirmed_at, a.neighbourhood_id, offer_totals_only(a.is_private_home, ck.totals_only) AS totals_only
  FROM capacity_offers o
  JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
  JOIN capacity_kinds ck ON ck.code = o.kind
  LEFT JOIN costs k ON k.code = o.cost
 WHERE offer_is_live(o.status, o.valid_to);
