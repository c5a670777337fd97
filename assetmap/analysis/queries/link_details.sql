-- For each suggested link (the arrays are parallel, one element per link, in order): the offers of its kind and
-- unit at its surplus end and the needs at its deficit end, which between them are what the link would carry,
-- and the line between the two neighbourhoods' centroids. Each end's list is built once per neighbourhood, kind
-- and unit, however many links share it.
WITH l AS (
    SELECT * FROM unnest(%(from_ids)s::bigint[], %(to_ids)s::bigint[], %(kinds)s::text[], %(units)s::text[])
           WITH ORDINALITY AS t(from_id, to_id, kind, unit, i)
), offers AS (
    SELECT o.neighbourhood_id, o.kind, o.unit,
           jsonb_agg(jsonb_build_object('offer_id', o.offer_id, 'asset_id', o.asset_id, 'asset_name', o.asset_name,
                                        'supply', o.supply, 'schedule', o.schedule)
                     ORDER BY o.supply DESC, o.offer_id) AS list
      FROM analysis_offer_supply(ARRAY(SELECT DISTINCT kind FROM l)) o
     WHERE o.neighbourhood_id IN (SELECT from_id FROM l)
     GROUP BY 1, 2, 3
), needs AS (
    SELECT d.neighbourhood_id, d.kind, d.unit,
           jsonb_agg(jsonb_build_object('need_id', d.need_id, 'title', d.title, 'organisation', d.organisation,
                                        'demand', d.demand, 'schedule', d.schedule)
                     ORDER BY d.demand DESC, d.need_id) AS list
      FROM analysis_need_demand(ARRAY(SELECT DISTINCT kind FROM l)) d
     WHERE d.neighbourhood_id IN (SELECT to_id FROM l)
     GROUP BY 1, 2, 3
)
SELECT o.list, d.list,
       CASE WHEN %(geometry)s THEN
            ST_AsGeoJSON(ST_Transform(ST_MakeLine(ST_Centroid(a.geom_bng), ST_Centroid(b.geom_bng)), 4326), 5)::json
       END
  FROM l
  JOIN neighbourhoods a ON a.id = l.from_id
  JOIN neighbourhoods b ON b.id = l.to_id
  LEFT JOIN offers o ON o.neighbourhood_id = l.from_id AND o.kind = l.kind AND o.unit = l.unit
  LEFT JOIN needs d ON d.neighbourhood_id = l.to_id AND d.kind = l.kind AND d.unit = l.unit
 ORDER BY l.i
