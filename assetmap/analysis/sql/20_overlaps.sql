-- Where services overlap: every pair of intersecting catchments, and how many services touch each neighbourhood.
-- The method, and why each figure is computed so, is in docs/analysis.md.

CREATE FUNCTION analysis_overlaps(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                                  agency_kinds text[] DEFAULT NULL,
                                  w_population double precision DEFAULT 0.4,
                                  w_client_groups double precision DEFAULT 0.2,
                                  w_shares double precision DEFAULT 0.2,
                                  w_spend double precision DEFAULT 0.2)
RETURNS TABLE (service_a bigint, service_b bigint, name_a text, name_b text, agency_a text, agency_b text,
               agency_kind_a text, agency_kind_b text, theme_a text, theme_b text,
               overlap_km2 double precision, share_a double precision, share_b double precision,
               population_both double precision, shared_client_groups text[], same_theme boolean,
               same_agency boolean, combined_spend double precision, pooling_candidate boolean,
               population_term double precision, client_groups_term double precision,
               shares_term double precision, spend_term double precision, score double precision,
               geom geometry)
LANGUAGE sql STABLE AS $$
WITH s AS MATERIALIZED (
    SELECT * FROM analysis_services(themes, groups, agency_kinds)
), c AS MATERIALIZED (
    SELECT * FROM analysis_catchments(themes, groups, agency_kinds)
), pairs AS (
    -- Candidate pairs from the spatial index on the areas' bounding boxes; each pair once, lower id first.
    SELECT DISTINCT x.service_id AS a, y.service_id AS b
      FROM service_areas x
      JOIN service_areas y ON y.geom_bng && x.geom_bng AND y.service_id > x.service_id
     WHERE x.service_id IN (SELECT service_id FROM c) AND y.service_id IN (SELECT service_id FROM c)
), shapes AS (
    -- A catchment inside the other is the overlap itself: no intersection to compute.
    SELECT p.a, p.b, ca.area_m2 AS area_a, cb.area_m2 AS area_b,
           CASE WHEN ST_Covers(ca.geom, cb.geom) THEN cb.geom
                WHEN ST_Covers(cb.geom, ca.geom) THEN ca.geom
                ELSE ST_CollectionExtract(ST_Intersection(ca.geom, cb.geom), 3) END AS g
      FROM pairs p
      JOIN c ca ON ca.service_id = p.a
      JOIN c cb ON cb.service_id = p.b
     WHERE ST_Intersects(ca.geom, cb.geom)
), measured AS MATERIALIZED (
    SELECT sh.a, sh.b, sh.area_a, sh.area_b, sh.g, ST_Area(sh.g) AS area FROM shapes sh
), pieces AS MATERIALIZED (
    -- Each catchment cut by the neighbourhoods it covers part of, once: the population in an overlap is then
    -- found from the two catchments' pieces in each neighbourhood, not by cutting every overlap again. A
    -- neighbourhood wholly inside a catchment needs no piece.
    SELECT c.service_id, n.id AS nid, n.population, ST_Area(n.geom_bng) AS n_area, w.whole,
           CASE WHEN NOT w.whole THEN ST_CollectionExtract(ST_Intersection(c.geom, n.geom_bng), 3) END AS piece
      FROM c
      JOIN neighbourhoods n ON n.geom_bng && c.geom AND ST_Intersects(n.geom_bng, c.geom)
     CROSS JOIN LATERAL (SELECT ST_Covers(c.geom, n.geom_bng) AS whole) w
     WHERE n.population IS NOT NULL
), population AS MATERIALIZED (
    -- analysis_population_within(overlap), computed from the pieces: the overlap's part of a neighbourhood is
    -- where the two catchments' pieces of it meet.
    SELECT m.a, m.b,
           sum(pa.population * CASE WHEN pa.whole AND pb.whole THEN 1
                                    WHEN pa.whole THEN ST_Area(pb.piece) / pa.n_area
                                    WHEN pb.whole THEN ST_Area(pa.piece) / pa.n_area
                                    ELSE ST_Area(ST_Intersection(pa.piece, pb.piece)) / pa.n_area END) AS people
      FROM measured m
      JOIN pieces pa ON pa.service_id = m.a
      JOIN pieces pb ON pb.service_id = m.b AND pb.nid = pa.nid
     WHERE m.area > 0.01 AND (pa.whole OR pb.whole OR pa.piece && pb.piece)
     GROUP BY m.a, m.b
), described AS MATERIALIZED (
    SELECT m.*, sa.name AS name_a, sb.name AS name_b, sa.agency AS agency_a, sb.agency AS agency_b,
           sa.agency_kind AS agency_kind_a, sb.agency_kind AS agency_kind_b, sa.theme AS theme_a, sb.theme AS theme_b,
           coalesce(pop.people, 0) AS population_both,
           ARRAY(SELECT g FROM unnest(sa.client_groups) AS g WHERE g = ANY (sb.client_groups) ORDER BY g) AS shared,
           sa.theme = sb.theme AS same_theme,
           lower(btrim(sa.agency)) = lower(btrim(sb.agency)) AS same_agency,
           (coalesce(sa.annual_spend, 0) + coalesce(sb.annual_spend, 0))::double precision AS combined_spend
      FROM measured m
      LEFT JOIN population pop ON pop.a = m.a AND pop.b = m.b
      JOIN s sa ON sa.id = m.a
      JOIN s sb ON sb.id = m.b
     -- Catchments that only touch along an edge do not overlap. Stored in EPSG:4326 and measured in 27700, two
     -- shapes sharing an edge meet in a sliver of a few nanometres² after the round trip: a hundredth of a square
     -- metre is far above that noise and far below any real catchment's overlap.
     WHERE m.area > 0.01
), terms AS (
    -- Each term is a fraction of the largest value among these pairs (shares are fractions already), times its
    -- weight, so the score is their sum and each term says how much it added.
    SELECT d.*,
           w_population * coalesce(d.population_both / nullif(max(d.population_both) OVER (), 0), 0) AS t_pop,
           w_client_groups * coalesce(cardinality(d.shared)::double precision
                                      / nullif(max(cardinality(d.shared)) OVER (), 0), 0) AS t_groups,
           w_shares * (d.area / d.area_a + d.area / d.area_b) / 2 AS t_shares,
           w_spend * coalesce(d.combined_spend / nullif(max(d.combined_spend) OVER (), 0), 0) AS t_spend
      FROM described d
)
SELECT t.a, t.b, t.name_a, t.name_b, t.agency_a, t.agency_b, t.agency_kind_a, t.agency_kind_b, t.theme_a, t.theme_b,
       t.area / 1e6, least(t.area / t.area_a, 1), least(t.area / t.area_b, 1), t.population_both, t.shared,
       t.same_theme, t.same_agency, t.combined_spend,
       NOT t.same_agency AND cardinality(t.shared) > 0,
       t.t_pop, t.t_groups, t.t_shares, t.t_spend, t.t_pop + t.t_groups + t.t_shares + t.t_spend,
       ST_Transform(t.g, 4326)
  FROM terms t
$$;

-- Per neighbourhood: the services and agencies that touch it, by theme and by client group. A service touches a
-- neighbourhood when its catchment covers part of it (more than an edge) or one of its sites is in it.
CREATE FUNCTION analysis_service_density(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                                         agency_kinds text[] DEFAULT NULL)
RETURNS TABLE (neighbourhood_id bigint, code text, name text, population integer, services integer,
               agencies integer, by_theme jsonb, by_client_group jsonb, geom geometry)
LANGUAGE sql STABLE AS $$
WITH s AS MATERIALIZED (
    SELECT * FROM analysis_services(themes, groups, agency_kinds)
), touches AS MATERIALIZED (
    SELECT n.id AS neighbourhood_id, a.service_id
      FROM service_areas a
      JOIN neighbourhoods n ON n.geom_bng && a.geom_bng AND ST_Intersects(n.geom_bng, a.geom_bng)
     -- more than an edge, with the same tolerance for the round trip's slivers as analysis_overlaps
     WHERE (ST_Covers(a.geom_bng, n.geom_bng) OR ST_Area(ST_Intersection(n.geom_bng, a.geom_bng)) > 0.01)
       AND a.service_id IN (SELECT id FROM s)
    UNION
    SELECT si.neighbourhood_id, si.service_id
      FROM service_sites si
     WHERE si.neighbourhood_id IS NOT NULL AND si.service_id IN (SELECT id FROM s)
), counts AS (
    SELECT t.neighbourhood_id, count(*)::integer AS services, count(DISTINCT lower(btrim(s.agency)))::integer AS agencies
      FROM touches t JOIN s ON s.id = t.service_id
     GROUP BY t.neighbourhood_id
), theme_counts AS (
    SELECT x.neighbourhood_id, jsonb_object_agg(x.theme, x.n ORDER BY x.theme) AS by_theme
      FROM (SELECT t.neighbourhood_id, s.theme, count(*) AS n
              FROM touches t JOIN s ON s.id = t.service_id GROUP BY 1, 2) x
     GROUP BY x.neighbourhood_id
), group_counts AS (
    SELECT x.neighbourhood_id, jsonb_object_agg(x.client_group, x.n ORDER BY x.client_group) AS by_client_group
      FROM (SELECT t.neighbourhood_id, g AS client_group, count(*) AS n
              FROM touches t JOIN s ON s.id = t.service_id, unnest(s.client_groups) AS g GROUP BY 1, 2) x
     GROUP BY x.neighbourhood_id
)
SELECT n.id, n.code, n.name, n.population, coalesce(c.services, 0), coalesce(c.agencies, 0),
       coalesce(th.by_theme, '{}'), coalesce(gr.by_client_group, '{}'), n.geom
  FROM neighbourhoods n
  LEFT JOIN counts c ON c.neighbourhood_id = n.id
  LEFT JOIN theme_counts th ON th.neighbourhood_id = n.id
  LEFT JOIN group_counts gr ON gr.neighbourhood_id = n.id
$$;
