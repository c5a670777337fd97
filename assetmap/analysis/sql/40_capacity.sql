-- Capacity sharing: weekly supply of the offers, need per neighbourhood, and direct matches of offers to needs.
-- Hours a week and slots of a schedule come from schedule_weeks (assetmap/schedule_weeks.py). Method in
-- docs/analysis.md.

-- The one unit per kind an analysis counts in: places become place-hours a week (places × the hours a week the
-- schedule is open); hours a week and items are counted as given.
CREATE FUNCTION analysis_weekly_unit(unit text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE unit WHEN 'places' THEN 'place_hours_per_week' ELSE unit END
$$;

-- The weekly amount of a quantity: `as_given` when it is places without a schedule that says for how long.
CREATE FUNCTION analysis_weekly_amount(quantity numeric, unit text, hours double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN unit = 'places' AND hours IS NOT NULL THEN quantity * hours ELSE quantity END
$$;

-- Every active offer, with a quantity, of a published asset: what it supplies in a week.
CREATE FUNCTION analysis_offer_supply(kinds text[] DEFAULT NULL)
RETURNS TABLE (offer_id bigint, asset_id bigint, asset_name text, neighbourhood_id bigint, kind text, unit text,
               quantity numeric, offer_unit text, schedule text, schedule_hours double precision,
               supply double precision, as_given boolean, slots bit(2016), geom geometry(Point, 27700))
LANGUAGE sql STABLE AS $$
    SELECT o.id, a.id, a.name, a.neighbourhood_id, o.kind, analysis_weekly_unit(o.unit), o.quantity, o.unit,
           o.schedule, w.hours, analysis_weekly_amount(o.quantity, o.unit, w.hours),
           o.unit = 'places' AND w.hours IS NULL, w.slots, a.geom_bng
      FROM capacity_offers o
      JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
      LEFT JOIN schedule_weeks w ON w.schedule = o.schedule
     WHERE o.status = 'active'
       AND (o.valid_to IS NULL OR o.valid_to >= current_date)
       AND o.quantity IS NOT NULL
       AND (kinds IS NULL OR o.kind = ANY (kinds))
$$;

-- Every open need with a quantity, in the same units; it lies at its point, or at its neighbourhood's centroid.
CREATE FUNCTION analysis_need_demand(kinds text[] DEFAULT NULL)
RETURNS TABLE (need_id bigint, title text, organisation text, neighbourhood_id bigint, kind text, unit text,
               quantity numeric, need_unit text, schedule text, schedule_hours double precision,
               demand double precision, as_given boolean, slots bit(2016), geom geometry(Point, 27700))
LANGUAGE sql STABLE AS $$
    SELECT d.id, d.title, o.name, coalesce(d.neighbourhood_id, neighbourhood_at(d.geom)), d.kind,
           analysis_weekly_unit(d.unit), d.quantity, d.unit, d.schedule, w.hours,
           analysis_weekly_amount(d.quantity, d.unit, w.hours), d.unit = 'places' AND w.hours IS NULL, w.slots,
           coalesce(ST_Transform(d.geom, 27700), ST_Centroid(n.geom_bng))
      FROM capacity_needs d
      LEFT JOIN organisations o ON o.id = d.organisation_id
      LEFT JOIN neighbourhoods n ON n.id = d.neighbourhood_id
      LEFT JOIN schedule_weeks w ON w.schedule = d.schedule
     WHERE d.status = 'open'
       AND d.quantity IS NOT NULL
       AND (kinds IS NULL OR d.kind = ANY (kinds))
$$;

-- Per neighbourhood, kind and unit: weekly supply, need (recorded, plus an estimate when `estimate` is given) and
-- the balance (supply − need). `estimate` maps a kind to the amount a week, in that kind's unit, that 1,000
-- residents at the average need score need: {"volunteer_time": 20}. A neighbourhood's estimate is
-- rate × population / 1000 × need_score / (average need_score); without a need score, rate × population / 1000.
CREATE FUNCTION analysis_capacity_balance(kinds text[] DEFAULT NULL, estimate jsonb DEFAULT NULL)
RETURNS TABLE (neighbourhood_id bigint, code text, name text, population integer, kind text, unit text,
               supply double precision, need_recorded double precision, need_estimated double precision,
               need double precision, balance double precision, offers integer, needs integer,
               supply_as_given integer, geom geometry)
LANGUAGE sql STABLE AS $$
WITH supply AS (
    SELECT neighbourhood_id, kind, unit, sum(supply) AS amount, count(*)::integer AS n,
           count(*) FILTER (WHERE as_given)::integer AS as_given
      FROM analysis_offer_supply(kinds) WHERE neighbourhood_id IS NOT NULL
     GROUP BY 1, 2, 3
), recorded AS (
    SELECT neighbourhood_id, kind, unit, sum(demand) AS amount, count(*)::integer AS n
      FROM analysis_need_demand(kinds) WHERE neighbourhood_id IS NOT NULL
     GROUP BY 1, 2, 3
), rates AS (
    SELECT r.key AS kind, analysis_weekly_unit(k.default_unit) AS unit, r.value::text::double precision AS rate
      FROM jsonb_each(coalesce(estimate, '{}')) r
      JOIN capacity_kinds k ON k.code = r.key AND k.default_unit IS NOT NULL
     WHERE kinds IS NULL OR r.key = ANY (kinds)
), estimated AS (
    SELECT n.id AS neighbourhood_id, r.kind, r.unit,
           r.rate * n.population / 1000.0
           * coalesce(n.need_score / nullif((SELECT avg(need_score) FROM neighbourhoods), 0), 1) AS amount
      FROM neighbourhoods n CROSS JOIN rates r
     WHERE n.population IS NOT NULL
), keys AS (
    SELECT neighbourhood_id, kind, unit FROM supply
    UNION SELECT neighbourhood_id, kind, unit FROM recorded
    UNION SELECT neighbourhood_id, kind, unit FROM estimated
)
SELECT n.id, n.code, n.name, n.population, k.kind, k.unit,
       coalesce(s.amount, 0), coalesce(r.amount, 0), coalesce(e.amount, 0),
       coalesce(r.amount, 0) + coalesce(e.amount, 0),
       coalesce(s.amount, 0) - coalesce(r.amount, 0) - coalesce(e.amount, 0),
       coalesce(s.n, 0), coalesce(r.n, 0), coalesce(s.as_given, 0), n.geom
  FROM keys k
  JOIN neighbourhoods n ON n.id = k.neighbourhood_id
  LEFT JOIN supply s USING (neighbourhood_id, kind, unit)
  LEFT JOIN recorded r USING (neighbourhood_id, kind, unit)
  LEFT JOIN estimated e USING (neighbourhood_id, kind, unit)
$$;

-- Pairs of neighbourhoods whose centroids (EPSG:27700) are at most max_m metres apart, both ways round.
CREATE FUNCTION analysis_neighbourhood_distances(max_m double precision)
RETURNS TABLE (from_id bigint, to_id bigint, distance_m double precision) LANGUAGE sql STABLE AS $$
WITH c AS MATERIALIZED (SELECT id, ST_Centroid(geom_bng) AS p FROM neighbourhoods)
SELECT a.id, b.id, ST_Distance(a.p, b.p)
  FROM c a JOIN c b ON a.id <> b.id AND ST_DWithin(a.p, b.p, max_m)
$$;

-- For each open need, the nearest offers (at most per_need) that could meet it: same kind and unit, at least the
-- quantity, within max_m metres, and open at a time the need asks for. When the need has no schedule any time
-- will do ('any time'); when the offer has none, the times cannot be checked ('offer times not given').
CREATE FUNCTION analysis_direct_matches(kinds text[] DEFAULT NULL, max_m double precision DEFAULT 3000,
                                        per_need integer DEFAULT 5)
RETURNS TABLE (need_id bigint, need_title text, offer_id bigint, asset_id bigint, asset_name text, kind text,
               unit text, need_quantity numeric, offer_quantity numeric, distance_m double precision,
               overlap_hours double precision, times text, rank integer, geom geometry)
LANGUAGE sql STABLE AS $$
SELECT d.need_id, d.title, m.offer_id, m.asset_id, m.asset_name, d.kind, d.need_unit, d.quantity, m.quantity,
       m.distance_m, m.overlap_hours, m.times, m.rank::integer,
       ST_Transform(ST_MakeLine(m.geom, d.geom), 4326)
  FROM analysis_need_demand(kinds) d
 CROSS JOIN LATERAL (
    SELECT o.offer_id, o.asset_id, o.asset_name, o.quantity, o.geom, ST_Distance(o.geom, d.geom) AS distance_m,
           bit_count(o.slots & d.slots) * 5 / 60.0 AS overlap_hours,
           CASE WHEN d.schedule IS NULL THEN 'any time'
                WHEN o.slots IS NULL THEN 'offer times not given'
                ELSE 'overlap' END AS times,
           row_number() OVER (ORDER BY o.geom <-> d.geom, o.offer_id) AS rank
      FROM analysis_offer_supply(ARRAY[d.kind]) o
     WHERE o.offer_unit = d.need_unit
       AND o.quantity >= d.quantity
       AND ST_DWithin(o.geom, d.geom, max_m)
       AND (d.schedule IS NULL OR o.slots IS NULL OR bit_count(o.slots & d.slots) > 0)
     ORDER BY o.geom <-> d.geom, o.offer_id
     LIMIT per_need) m
$$;
