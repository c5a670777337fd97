-- What matters, measured: the hours and exchanges confirmed between neighbourhoods and organisations.
-- Only confirmed exchanges count. The giving side is the asset's (the neighbourhood fixed on the exchange, and the
-- asset's organisation); the receiving side is the request's (its neighbourhood, the requester's organisation). A
-- side without an organisation is a person acting on their own (or a place with no organisation recorded): it is
-- counted, never named. Every figure is defined in docs/analysis.md ("Reciprocity").

-- Organisation names are typed by people: "Age UK", "age uk" and "Age  UK " are one organisation.
CREATE FUNCTION analysis_organisation_key(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT nullif(lower(btrim(regexp_replace(name, '\s+', ' ', 'g'))), '')
$$;

-- Every confirmed exchange once, with its month, kind and both sides; optionally only some kinds of capacity and
-- months (first_month and last_month are the first days of the first and the last month wanted). An exchange
-- belongs to the month it ended, else started, else was confirmed.
CREATE FUNCTION analysis_exchanges(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                                   last_month date DEFAULT NULL)
RETURNS TABLE (exchange_id bigint, kind text, month date, hours numeric, people_reached integer, need_id bigint,
               giver_id bigint, receiver_id bigint, giver_key text, giver_organisation text, receiver_key text,
               receiver_organisation text, crosses_boundary boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT x.*
  FROM (SELECT e.id, r.kind,
               date_trunc('month', coalesce(e.ended_on, e.started_on, e.confirmed_at::date))::date AS at_month,
               e.hours, e.people_reached, r.need_id, e.giver_neighbourhood_id AS giver,
               e.receiver_neighbourhood_id AS receiver, analysis_organisation_key(g.name) AS giver_key,
               g.name AS giver_name, analysis_organisation_key(r.requester_organisation) AS receiver_key,
               nullif(btrim(r.requester_organisation), '') AS receiver_name,
               -- a boundary is crossed only between two known neighbourhoods
               coalesce(e.giver_neighbourhood_id <> e.receiver_neighbourhood_id, false) AS crosses
          FROM exchanges e
          JOIN capacity_requests r ON r.id = e.request_id
          JOIN assets a ON a.id = r.asset_id
          LEFT JOIN organisations o ON o.id = a.organisation_id
         CROSS JOIN LATERAL (SELECT coalesce(o.name, nullif(btrim(a.organisation_name), '')) AS name) g
         WHERE e.status = 'confirmed'
           AND (kinds IS NULL OR r.kind = ANY (kinds))) x
 WHERE (first_month IS NULL OR x.at_month >= first_month)
   AND (last_month IS NULL OR x.at_month <= last_month)
$$;

-- Each exchange twice: once from its giving side, once from its receiving side, each with the other side. An
-- exchange within one neighbourhood (or between two sides of one organisation, or between two people) has both
-- rows in the same group; `once_by_neighbourhood` and `once_by_organisation` mark one row of each exchange per
-- group, so figures about the exchange itself (hours, people reached) count it once there.
CREATE FUNCTION analysis_exchange_sides(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                                        last_month date DEFAULT NULL)
RETURNS TABLE (exchange_id bigint, side text, neighbourhood_id bigint, other_neighbourhood_id bigint,
               organisation_key text, organisation text, other_key text, once_by_neighbourhood boolean,
               once_by_organisation boolean, hours numeric, people_reached integer, need_id bigint,
               crosses_boundary boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT x.exchange_id, s.side, s.nid, s.other_nid, s.okey, s.oname, s.other_okey,
       s.side = 'given' OR x.giver_id IS DISTINCT FROM x.receiver_id,
       s.side = 'given' OR x.giver_key IS DISTINCT FROM x.receiver_key,
       x.hours, x.people_reached, x.need_id, x.crosses_boundary
  FROM analysis_exchanges(kinds, first_month, last_month) x
 CROSS JOIN LATERAL (VALUES
        ('given', x.giver_id, x.receiver_id, x.giver_key, x.giver_organisation, x.receiver_key),
        ('received', x.receiver_id, x.giver_id, x.receiver_key, x.receiver_organisation, x.giver_key)
     ) s (side, nid, other_nid, okey, oname, other_okey)
$$;

-- Per neighbourhood (every one, with zeros where nothing happened): hours and exchanges given and received, the
-- exchanges it took part in and their hours (each once), those crossing a boundary, distinct partner
-- neighbourhoods (other neighbourhoods it gave to or received from) and partner organisations (named
-- organisations on the other side of its exchanges), recorded needs met and people reached.
CREATE FUNCTION analysis_reciprocity(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                                     last_month date DEFAULT NULL)
RETURNS TABLE (neighbourhood_id bigint, code text, name text, population integer,
               hours_given double precision, hours_received double precision, hours double precision,
               exchanges_given integer, exchanges_received integer, exchanges integer, cross_boundary integer,
               partner_neighbourhoods integer, partner_organisations integer, needs_met integer,
               people_reached bigint, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH per AS (
    SELECT s.neighbourhood_id,
           sum(s.hours) FILTER (WHERE s.side = 'given') AS hours_given,
           sum(s.hours) FILTER (WHERE s.side = 'received') AS hours_received,
           sum(s.hours) FILTER (WHERE s.once_by_neighbourhood) AS hours,
           count(*) FILTER (WHERE s.side = 'given') AS exchanges_given,
           count(*) FILTER (WHERE s.side = 'received') AS exchanges_received,
           count(*) FILTER (WHERE s.once_by_neighbourhood) AS exchanges,
           count(*) FILTER (WHERE s.once_by_neighbourhood AND s.crosses_boundary) AS cross_boundary,
           count(DISTINCT s.other_neighbourhood_id)
               FILTER (WHERE s.other_neighbourhood_id <> s.neighbourhood_id) AS partner_neighbourhoods,
           count(DISTINCT s.other_key) AS partner_organisations,
           count(DISTINCT s.need_id) AS needs_met,
           sum(s.people_reached) FILTER (WHERE s.once_by_neighbourhood) AS people_reached
      FROM analysis_exchange_sides(kinds, first_month, last_month) s
     WHERE s.neighbourhood_id IS NOT NULL
     GROUP BY s.neighbourhood_id
)
SELECT n.id, n.code, n.name, n.population,
       coalesce(p.hours_given, 0)::double precision, coalesce(p.hours_received, 0)::double precision,
       coalesce(p.hours, 0)::double precision, coalesce(p.exchanges_given, 0)::integer,
       coalesce(p.exchanges_received, 0)::integer, coalesce(p.exchanges, 0)::integer,
       coalesce(p.cross_boundary, 0)::integer, coalesce(p.partner_neighbourhoods, 0)::integer,
       coalesce(p.partner_organisations, 0)::integer, coalesce(p.needs_met, 0)::integer,
       coalesce(p.people_reached, 0)::bigint, n.geom
  FROM neighbourhoods n
  LEFT JOIN per p ON p.neighbourhood_id = n.id
$$;

-- Per organisation that took part (named: matched by analysis_organisation_key, shown in its most used spelling),
-- and one row, `named` false and no name, for every side with no organisation together. The same figures as per
-- neighbourhood; partner organisations are the other named organisations on the other side, partner
-- neighbourhoods where the other side was, and `neighbourhoods` where its own side was.
CREATE FUNCTION analysis_reciprocity_organisations(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                                                   last_month date DEFAULT NULL)
RETURNS TABLE (organisation text, named boolean, hours_given double precision, hours_received double precision,
               hours double precision, exchanges_given integer, exchanges_received integer, exchanges integer,
               cross_boundary integer, partner_organisations integer, partner_neighbourhoods integer,
               neighbourhoods integer, needs_met integer, people_reached bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN s.organisation_key IS NOT NULL THEN mode() WITHIN GROUP (ORDER BY s.organisation) END,
       s.organisation_key IS NOT NULL,
       coalesce(sum(s.hours) FILTER (WHERE s.side = 'given'), 0)::double precision,
       coalesce(sum(s.hours) FILTER (WHERE s.side = 'received'), 0)::double precision,
       coalesce(sum(s.hours) FILTER (WHERE s.once_by_organisation), 0)::double precision,
       (count(*) FILTER (WHERE s.side = 'given'))::integer,
       (count(*) FILTER (WHERE s.side = 'received'))::integer,
       (count(*) FILTER (WHERE s.once_by_organisation))::integer,
       (count(*) FILTER (WHERE s.once_by_organisation AND s.crosses_boundary))::integer,
       (count(DISTINCT s.other_key) FILTER (WHERE s.other_key IS DISTINCT FROM s.organisation_key))::integer,
       (count(DISTINCT s.other_neighbourhood_id))::integer,
       (count(DISTINCT s.neighbourhood_id))::integer,
       (count(DISTINCT s.need_id))::integer,
       coalesce(sum(s.people_reached) FILTER (WHERE s.once_by_organisation), 0)::bigint
  FROM analysis_exchange_sides(kinds, first_month, last_month) s
 GROUP BY s.organisation_key
$$;

-- Hours and exchanges from each giving neighbourhood to each receiving one, with a line between the two
-- neighbourhoods' points on surface (a point for exchanges within one neighbourhood). Exchanges with a side in no
-- neighbourhood have no flow (analysis_reciprocity_totals counts them).
CREATE FUNCTION analysis_flows(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                               last_month date DEFAULT NULL)
RETURNS TABLE (from_id bigint, to_id bigint, from_code text, from_name text, to_code text, to_name text,
               within boolean, hours double precision, exchanges integer, people_reached bigint, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH f AS (
    SELECT x.giver_id, x.receiver_id, sum(x.hours) AS hours, count(*) AS exchanges,
           sum(x.people_reached) AS people_reached
      FROM analysis_exchanges(kinds, first_month, last_month) x
     WHERE x.giver_id IS NOT NULL AND x.receiver_id IS NOT NULL
     GROUP BY x.giver_id, x.receiver_id
)
SELECT f.giver_id, f.receiver_id, a.code, a.name, b.code, b.name, f.giver_id = f.receiver_id,
       f.hours::double precision, f.exchanges::integer, coalesce(f.people_reached, 0)::bigint,
       ST_Transform(CASE WHEN f.giver_id = f.receiver_id THEN ST_PointOnSurface(a.geom_bng)
                         ELSE ST_MakeLine(ST_PointOnSurface(a.geom_bng), ST_PointOnSurface(b.geom_bng)) END, 4326)
  FROM f
  JOIN neighbourhoods a ON a.id = f.giver_id
  JOIN neighbourhoods b ON b.id = f.receiver_id
$$;

-- Per month, every month from the first to the last asked for (else from the first to the last with an exchange),
-- zeros included: hours, exchanges, those crossing a boundary and their share, people reached, needs met.
CREATE FUNCTION analysis_trends(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                                last_month date DEFAULT NULL)
RETURNS TABLE (month date, hours double precision, exchanges integer, cross_boundary integer,
               cross_boundary_share double precision, people_reached bigint, needs_met integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH x AS MATERIALIZED (
    SELECT * FROM analysis_exchanges(kinds, first_month, last_month)
), months AS (
    SELECT generate_series(coalesce(first_month, min(x.month))::timestamp,
                           coalesce(last_month, max(x.month))::timestamp, interval '1 month')::date AS month
      FROM x
)
SELECT m.month, coalesce(sum(x.hours), 0)::double precision, count(x.exchange_id)::integer,
       (count(*) FILTER (WHERE x.crosses_boundary))::integer,
       (count(*) FILTER (WHERE x.crosses_boundary))::double precision / nullif(count(x.exchange_id), 0),
       coalesce(sum(x.people_reached), 0)::bigint, (count(DISTINCT x.need_id))::integer
  FROM months m
  LEFT JOIN x ON x.month = m.month
 GROUP BY m.month
$$;

-- The whole selection in one row: the key figures of the co-production audit.
CREATE FUNCTION analysis_reciprocity_totals(kinds text[] DEFAULT NULL, first_month date DEFAULT NULL,
                                            last_month date DEFAULT NULL)
RETURNS TABLE (exchanges integer, hours double precision, cross_boundary integer, within_neighbourhood integer,
               outside_neighbourhoods integer, with_individuals integer, neighbourhoods integer,
               organisations integer, needs_met integer, people_reached bigint, first_exchange_month date,
               last_exchange_month date)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH x AS MATERIALIZED (
    SELECT * FROM analysis_exchanges(kinds, first_month, last_month)
)
SELECT count(*)::integer, coalesce(sum(x.hours), 0)::double precision,
       (count(*) FILTER (WHERE x.crosses_boundary))::integer,
       (count(*) FILTER (WHERE x.giver_id = x.receiver_id))::integer,
       (count(*) FILTER (WHERE x.giver_id IS NULL OR x.receiver_id IS NULL))::integer,
       (count(*) FILTER (WHERE x.giver_key IS NULL OR x.receiver_key IS NULL))::integer,
       (SELECT count(DISTINCT n) FROM x, unnest(ARRAY[x.giver_id, x.receiver_id]) n)::integer,
       (SELECT count(DISTINCT k) FROM x, unnest(ARRAY[x.giver_key, x.receiver_key]) k)::integer,
       (count(DISTINCT x.need_id))::integer, coalesce(sum(x.people_reached), 0)::bigint,
       min(x.month), max(x.month)
  FROM x
$$;
