-- The Total Place count: each active service's annual spend, apportioned to the neighbourhoods its catchment
-- covers. Method and worked example in docs/analysis.md.

-- Every pound of every selected service, in exactly one part:
--   'neighbourhood'  the share of a neighbourhood: spend × (catchment area inside neighbourhoods ÷ catchment area)
--                    × (its population in the catchment ÷ the catchment's population);
--   'outside'        spend × (catchment area outside every neighbourhood ÷ catchment area): no population is known
--                    there, so this part is estimated by area;
--   'no population'  the inside part of a catchment whose neighbourhoods have no population recorded;
--   'no catchment'   the spend of a service with no catchment.
-- So the parts of each service add up to its spend: nothing lost, nothing invented.
CREATE FUNCTION analysis_spend_parts(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                                     agency_kinds text[] DEFAULT NULL)
RETURNS TABLE (service_id bigint, neighbourhood_id bigint, part text, spend double precision)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH s AS MATERIALIZED (
    SELECT * FROM analysis_services(themes, groups, agency_kinds) WHERE annual_spend IS NOT NULL
), c AS MATERIALIZED (
    SELECT * FROM analysis_catchments(themes, groups, agency_kinds)
     WHERE service_id IN (SELECT id FROM s) AND area_m2 > 0
), pieces AS MATERIALIZED (
    -- each catchment's stored parts of the neighbourhoods (catchment_pieces), weighted by the people in them
    SELECT p.service_id, p.neighbourhood_id, p.area_m2 AS area,
           coalesce(n.population, 0) * p.area_m2 / n.area_m2 AS weight
      FROM catchment_pieces p
      JOIN neighbourhoods n ON n.id = p.neighbourhood_id
     WHERE p.service_id IN (SELECT service_id FROM c)
), per_service AS (
    SELECT c.service_id, s.annual_spend::double precision AS spend,
           -- Neighbourhoods may overlap a little along their edges: never count more than the whole catchment.
           -- A catchment made of whole neighbourhoods sums to its area give or take float rounding: that is all
           -- inside, not a sliver of spend outside.
           CASE WHEN coalesce(sum(p.area), 0) >= c.area_m2 * (1 - 1e-9) THEN 1
                ELSE coalesce(sum(p.area), 0) / c.area_m2 END AS inside,
           coalesce(sum(p.weight), 0) AS weight
      FROM c
      JOIN s ON s.id = c.service_id
      LEFT JOIN pieces p ON p.service_id = c.service_id
     GROUP BY c.service_id, c.area_m2, s.annual_spend
)
SELECT p.service_id, p.neighbourhood_id, 'neighbourhood', ps.spend * ps.inside * p.weight / ps.weight
  FROM pieces p JOIN per_service ps ON ps.service_id = p.service_id
 WHERE ps.weight > 0 AND p.weight > 0
UNION ALL
SELECT ps.service_id, NULL, 'outside', ps.spend * (1 - ps.inside) FROM per_service ps WHERE ps.inside < 1
UNION ALL
SELECT ps.service_id, NULL, 'no population', ps.spend * ps.inside
  FROM per_service ps WHERE ps.weight = 0 AND ps.inside > 0
UNION ALL
SELECT s.id, NULL, 'no catchment', s.annual_spend::double precision
  FROM s WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.service_id = s.id)
$$;

-- Per neighbourhood: the spend apportioned to it, per head, and by agency kind, agency and theme.
CREATE FUNCTION analysis_spend(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                               agency_kinds text[] DEFAULT NULL)
RETURNS TABLE (neighbourhood_id bigint, code text, name text, population integer, services integer,
               spend_total double precision, spend_per_head double precision, by_agency_kind jsonb,
               by_agency jsonb, by_theme jsonb, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH parts AS MATERIALIZED (
    SELECT p.neighbourhood_id, p.spend, s.agency, s.agency_kind, s.theme, p.service_id
      FROM analysis_spend_parts(themes, groups, agency_kinds) p
      JOIN services s ON s.id = p.service_id
     WHERE p.part = 'neighbourhood'
), totals AS (
    SELECT neighbourhood_id, count(DISTINCT service_id)::integer AS services, sum(spend) AS spend
      FROM parts GROUP BY neighbourhood_id
), by_kind AS (
    SELECT neighbourhood_id, jsonb_object_agg(agency_kind, spend ORDER BY agency_kind) AS j
      FROM (SELECT neighbourhood_id, agency_kind, sum(spend) AS spend FROM parts GROUP BY 1, 2) x
     GROUP BY neighbourhood_id
), by_agency AS (
    SELECT neighbourhood_id, jsonb_object_agg(agency, spend ORDER BY agency) AS j
      FROM (SELECT neighbourhood_id, agency, sum(spend) AS spend FROM parts GROUP BY 1, 2) x
     GROUP BY neighbourhood_id
), by_theme AS (
    SELECT neighbourhood_id, jsonb_object_agg(theme, spend ORDER BY theme) AS j
      FROM (SELECT neighbourhood_id, theme, sum(spend) AS spend FROM parts GROUP BY 1, 2) x
     GROUP BY neighbourhood_id
)
SELECT n.id, n.code, n.name, n.population, coalesce(t.services, 0), coalesce(t.spend, 0),
       coalesce(t.spend, 0) / nullif(n.population, 0),
       coalesce(k.j, '{}'), coalesce(a.j, '{}'), coalesce(th.j, '{}'), n.geom
  FROM neighbourhoods n
  LEFT JOIN totals t ON t.neighbourhood_id = n.id
  LEFT JOIN by_kind k ON k.neighbourhood_id = n.id
  LEFT JOIN by_agency a ON a.neighbourhood_id = n.id
  LEFT JOIN by_theme th ON th.neighbourhood_id = n.id
$$;
