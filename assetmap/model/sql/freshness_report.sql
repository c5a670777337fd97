-- Per neighbourhood: published entries and their live offers, fresh, due or stale by when they were last confirmed.
-- The two cutoffs are bound by model/freshness.py, the one definition of what "due" and "stale" mean. Every
-- neighbourhood has a row; entries outside every neighbourhood get one more (code null) when there are any.
WITH entries AS (
    SELECT a.neighbourhood_id,
           count(*) FILTER (WHERE a.last_confirmed_at >= %(due_before)s) AS assets_fresh,
           count(*) FILTER (WHERE a.last_confirmed_at < %(due_before)s
                              AND a.last_confirmed_at >= %(stale_before)s) AS assets_due,
           count(*) FILTER (WHERE a.last_confirmed_at < %(stale_before)s) AS assets_stale,
           min(a.last_confirmed_at) AS oldest_confirmed_at
      FROM assets a
     WHERE a.status = 'published'
     GROUP BY a.neighbourhood_id
), offers AS (
    SELECT a.neighbourhood_id,
           count(*) FILTER (WHERE o.last_confirmed_at >= %(due_before)s) AS offers_fresh,
           count(*) FILTER (WHERE o.last_confirmed_at < %(due_before)s
                              AND o.last_confirmed_at >= %(stale_before)s) AS offers_due,
           count(*) FILTER (WHERE o.last_confirmed_at < %(stale_before)s) AS offers_stale
      FROM public_capacity_offers o
      JOIN assets a ON a.id = o.asset_id
     GROUP BY a.neighbourhood_id
), places AS (
    SELECT id, code, name FROM neighbourhoods
    UNION ALL
    SELECT NULL, NULL, 'Outside every neighbourhood' WHERE EXISTS (SELECT 1 FROM entries WHERE neighbourhood_id IS NULL)
)
SELECT p.code AS neighbourhood_code, p.name AS neighbourhood,
       coalesce(e.assets_fresh + e.assets_due + e.assets_stale, 0) AS assets,
       coalesce(e.assets_fresh, 0) AS assets_fresh, coalesce(e.assets_due, 0) AS assets_due,
       coalesce(e.assets_stale, 0) AS assets_stale,
       e.assets_stale::float8 / nullif(e.assets_fresh + e.assets_due + e.assets_stale, 0) AS share_stale,
       coalesce(o.offers_fresh + o.offers_due + o.offers_stale, 0) AS offers,
       coalesce(o.offers_fresh, 0) AS offers_fresh, coalesce(o.offers_due, 0) AS offers_due,
       coalesce(o.offers_stale, 0) AS offers_stale,
       e.oldest_confirmed_at
  FROM places p
  LEFT JOIN entries e ON e.neighbourhood_id IS NOT DISTINCT FROM p.id
  LEFT JOIN offers o ON o.neighbourhood_id IS NOT DISTINCT FROM p.id
 ORDER BY p.code IS NULL, p.name, p.code
