-- For each suggested link (the arrays are parallel, one element per link, in order): the offers of its kind and
-- unit at its surplus end and the needs at its deficit end, which between them are what the link would carry,
-- and the line between the two neighbourhoods' centroids.
WITH l AS (
    SELECT * FROM unnest(%(from_ids)s::bigint[], %(to_ids)s::bigint[], %(kinds)s::text[], %(units)s::text[])
           WITH ORDINALITY AS t(from_id, to_id, kind, unit, i)
)
SELECT (SELECT jsonb_agg(jsonb_build_object('offer_id', o.offer_id, 'asset_id', o.asset_id,
                                            'asset_name', o.asset_name, 'supply', o.supply,
                                            'schedule', o.schedule)
                         ORDER BY o.supply DESC, o.offer_id)
          FROM analysis_offer_supply(ARRAY[l.kind]) o
         WHERE o.neighbourhood_id = l.from_id AND o.unit = l.unit),
       (SELECT jsonb_agg(jsonb_build_object('need_id', d.need_id, 'title', d.title,
                                            'organisation', d.organisation, 'demand', d.demand,
                                            'schedule', d.schedule)
                         ORDER BY d.demand DESC, d.need_id)
          FROM analysis_need_demand(ARRAY[l.kind]) d
         WHERE d.neighbourhood_id = l.to_id AND d.unit = l.unit),
       CASE WHEN %(geometry)s THEN
            ST_AsGeoJSON(ST_Transform(ST_MakeLine(ST_Centroid(a.geom_bng), ST_Centroid(b.geom_bng)), 4326), 5)::json
       END
  FROM l
  JOIN neighbourhoods a ON a.id = l.from_id
  JOIN neighbourhoods b ON b.id = l.to_id
 ORDER BY l.i
