-- Where services overlap: every pair of intersecting catchments, and how many services touch each neighbourhood.
-- The method, and why each figure is computed so, is in docs/analysis.md.

-- The shape two catchments share (EPSG:4326), for maps: computed only for the pairs asked for. A catchment inside
-- the other is the overlap itself, with no intersection to compute.
CREATE FUNCTION analysis_overlap_shape(a bigint, b bigint) RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ST_Transform(CASE WHEN ST_Covers(x.geom, y.geom) THEN y.geom
                             WHEN ST_Covers(y.geom, x.geom) THEN x.geom
                             ELSE ST_CollectionExtract(ST_Intersection(x.geom, y.geom), 3) END, 4326)
      FROM service_catchments x, service_catchments y
     WHERE x.service_id = a AND y.service_id = b
$$;

-- The area two catchments share inside one neighbourhood, from their stored pieces there (catchment_pieces): a
-- neighbourhood wholly inside either catchment needs no cut. One expression, so PostgreSQL inlines it; the
-- workshop report (workshops/sql/report_figures.sql) measures overlaps with it too.
CREATE FUNCTION analysis_shared_area(pa catchment_pieces, pb catchment_pieces) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pa.whole AND pb.whole THEN pa.area_m2
                WHEN pa.whole THEN pb.area_m2
                WHEN pb.whole THEN pa.area_m2
                ELSE ST_Area(ST_Intersection(pa.piece, pb.piece)) END
$$;

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
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH s AS MATERIALIZED (
    SELECT * FROM analysis_services(themes, groups, agency_kinds)
), shared AS MATERIALIZED (
    -- Per pair of catchments and neighbourhood both cover part of: the area of it they share. Pairs are found by
    -- joining the pieces on their neighbourhood, a hash join that two workers share. The services are joined
    -- here rather than read from `s`: a parallel worker cannot read a CTE.
    SELECT pa.service_id AS a, pb.service_id AS b, coalesce(n.population / n.area_m2, 0) AS density,
           analysis_shared_area(pa, pb) AS area
      FROM catchment_pieces pa
      JOIN catchment_pieces pb ON pb.neighbourhood_id = pa.neighbourhood_id AND pb.service_id > pa.service_id
      JOIN neighbourhoods n ON n.id = pa.neighbourhood_id
      JOIN analysis_services(themes, groups, agency_kinds) sa ON sa.id = pa.service_id
      JOIN analysis_services(themes, groups, agency_kinds) sb ON sb.id = pb.service_id
     WHERE pa.whole OR pb.whole OR pa.piece && pb.piece
), inside AS (
    SELECT a, b, sum(area) AS area, sum(area * density) AS people FROM shared GROUP BY a, b
), outside AS (
    -- Two catchments that both reach outside every neighbourhood may meet there too: their overlap is measured
    -- whole. (When either lies wholly in neighbourhoods, so does their overlap, and its pieces hold all of it.)
    SELECT x.service_id AS a, y.service_id AS b, ST_Area(ST_Intersection(x.geom, y.geom)) AS area
      FROM service_catchments x
      JOIN service_catchments y ON y.geom && x.geom AND y.service_id > x.service_id
     WHERE x.outside_m2 > 0.01 AND y.outside_m2 > 0.01
       AND x.service_id IN (SELECT id FROM s) AND y.service_id IN (SELECT id FROM s)
), measured AS MATERIALIZED (
    -- The population in an overlap lives in neighbourhoods, so the pieces count all of it either way.
    SELECT coalesce(o.a, i.a) AS a, coalesce(o.b, i.b) AS b, ca.area_m2 AS area_a, cb.area_m2 AS area_b,
           coalesce(o.area, i.area) AS area, coalesce(i.people, 0) AS people
      FROM inside i
      FULL JOIN outside o ON o.a = i.a AND o.b = i.b
      JOIN service_catchments ca ON ca.service_id = coalesce(o.a, i.a)
      JOIN service_catchments cb ON cb.service_id = coalesce(o.b, i.b)
), described AS MATERIALIZED (
    SELECT m.*, sa.name AS name_a, sb.name AS name_b, sa.agency AS agency_a, sb.agency AS agency_b,
           sa.agency_kind AS agency_kind_a, sb.agency_kind AS agency_kind_b, sa.theme AS theme_a, sb.theme AS theme_b,
           m.people AS population_both,
           ARRAY(SELECT g FROM unnest(sa.client_groups) AS g WHERE g = ANY (sb.client_groups) ORDER BY g) AS shared,
           sa.theme = sb.theme AS same_theme,
           lower(btrim(sa.agency)) = lower(btrim(sb.agency)) AS same_agency,
           (coalesce(sa.annual_spend, 0) + coalesce(sb.annual_spend, 0))::double precision AS combined_spend
      FROM measured m
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
       analysis_overlap_shape(t.a, t.b)
  FROM terms t
$$;

-- Per neighbourhood: the services and agencies that touch it, by theme and by client group. A service touches a
-- neighbourhood when its catchment covers part of it (more than an edge) or one of its sites is in it.
CREATE FUNCTION analysis_service_density(themes text[] DEFAULT NULL, groups text[] DEFAULT NULL,
                                         agency_kinds text[] DEFAULT NULL)
RETURNS TABLE (neighbourhood_id bigint, code text, name text, population integer, services integer,
               agencies integer, by_theme jsonb, by_client_group jsonb, geom geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH s AS MATERIALIZED (
    SELECT * FROM analysis_services(themes, groups, agency_kinds)
), touches AS MATERIALIZED (
    -- a catchment's pieces are its parts of neighbourhoods of more than an edge (catchment_pieces)
    SELECT p.neighbourhood_id, p.service_id
      FROM catchment_pieces p
     WHERE p.service_id IN (SELECT id FROM s)
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
