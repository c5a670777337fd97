-- Catchments as the analyses read them, stored and kept current by the writes that change them.
--
-- Computed per query, a county's overlaps found their pairs by joining unindexed intermediate results, which the
-- planner could not estimate: 10k catchments took 345 s, almost all of it in a nested loop over 1.6 billion rows.
-- Stored, each catchment has a spatial index and statistics, and its cut by the neighbourhoods (its pieces) is made
-- once when it changes, not by every analysis. The functions are not named analysis_*: db migrate drops those.

-- A neighbourhood's area in EPSG:27700 (m²), beside the shape it is measured from.
ALTER TABLE neighbourhoods
    ADD COLUMN area_m2 double precision GENERATED ALWAYS AS (ST_Area(ST_Transform(geom, 27700))) STORED;

-- One catchment per service with areas: the union of its areas in EPSG:27700.
CREATE TABLE service_catchments (
    service_id bigint PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    geom       geometry(MultiPolygon, 27700) NOT NULL,
    area_m2    double precision NOT NULL,
    outside_m2 double precision NOT NULL   -- the part outside every neighbourhood
);
CREATE INDEX service_catchments_geom_idx ON service_catchments USING gist (geom);

-- A catchment's part of each neighbourhood it covers more than an edge of (0.01 m², the analyses' tolerance for
-- the slivers of a WGS84 → EPSG:27700 round trip). A neighbourhood wholly inside is `whole` and needs no shape.
CREATE TABLE catchment_pieces (
    service_id       bigint NOT NULL REFERENCES service_catchments (service_id) ON DELETE CASCADE,
    neighbourhood_id bigint NOT NULL REFERENCES neighbourhoods (id) ON DELETE CASCADE,
    whole            boolean NOT NULL,
    piece            geometry(MultiPolygon, 27700) CHECK (whole = (piece IS NULL)),
    area_m2          double precision NOT NULL,
    PRIMARY KEY (service_id, neighbourhood_id)
);
CREATE INDEX catchment_pieces_neighbourhood_idx ON catchment_pieces (neighbourhood_id);
CREATE INDEX catchment_pieces_piece_idx ON catchment_pieces USING gist (piece);   -- for a planner's own GIS

CREATE FUNCTION catchment_pieces_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM catchment_pieces WHERE service_id = ANY (ids);
    INSERT INTO catchment_pieces (service_id, neighbourhood_id, whole, piece, area_m2)
    SELECT c.service_id, n.id, w.whole, p.piece, CASE WHEN w.whole THEN n.area_m2 ELSE ST_Area(p.piece) END
      FROM service_catchments c
      JOIN neighbourhoods n ON n.geom_bng && c.geom AND ST_Intersects(n.geom_bng, c.geom)
     CROSS JOIN LATERAL (SELECT ST_Covers(c.geom, n.geom_bng) AS whole) w
     CROSS JOIN LATERAL (SELECT CASE WHEN NOT w.whole
                                     THEN ST_Multi(ST_CollectionExtract(ST_Intersection(c.geom, n.geom_bng), 3))
                                END AS piece) p
     WHERE c.service_id = ANY (ids)
       AND (w.whole OR ST_Area(p.piece) > 0.01);
    UPDATE service_catchments c
       SET outside_m2 = greatest(c.area_m2 - coalesce((SELECT sum(p.area_m2) FROM catchment_pieces p
                                                       WHERE p.service_id = c.service_id), 0), 0)
     WHERE c.service_id = ANY (ids);
$$;

CREATE FUNCTION service_catchments_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM service_catchments WHERE service_id = ANY (ids);
    -- A service with one area (the usual case) keeps it as it is, which saves a union per service.
    INSERT INTO service_catchments (service_id, geom, area_m2, outside_m2)
    SELECT u.service_id, u.geom, ST_Area(u.geom), ST_Area(u.geom)
      FROM (SELECT a.service_id,
                   CASE WHEN count(*) = 1 THEN (array_agg(a.geom_bng))[1]
                        ELSE ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_Collect(a.geom_bng)), 3)) END AS geom
              FROM service_areas a
             WHERE a.service_id = ANY (ids)
             GROUP BY a.service_id) u;
    SELECT catchment_pieces_refresh(ids);
$$;

CREATE FUNCTION service_areas_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    -- Transition tables exist only for the events that have them, so each branch names its own.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT service_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT service_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT service_id) INTO ids
          FROM (SELECT service_id FROM old_rows UNION SELECT service_id FROM new_rows) r;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM service_catchments_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER service_areas_inserted AFTER INSERT ON service_areas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_areas_changed();
CREATE TRIGGER service_areas_updated AFTER UPDATE ON service_areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_areas_changed();
CREATE TRIGGER service_areas_deleted AFTER DELETE ON service_areas
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION service_areas_changed();

-- New, reshaped or removed neighbourhoods cut the catchments under them (old and new shapes) again: one more
-- thing neighbourhoods_changed() (0001) re-derives under the shapes it finds changed.
CREATE OR REPLACE FUNCTION rederive_neighbourhoods_within(changed geometry[]) RETURNS void LANGUAGE sql AS $$
    UPDATE assets a
       SET neighbourhood_id = neighbourhood_at(a.geom)
      FROM unnest(changed) AS c(geom)
     WHERE ST_Intersects(a.geom, c.geom)
       AND a.neighbourhood_id IS DISTINCT FROM neighbourhood_at(a.geom);
    UPDATE service_sites s
       SET neighbourhood_id = neighbourhood_at(s.geom)
      FROM unnest(changed) AS c(geom)
     WHERE ST_Intersects(s.geom, c.geom)
       AND s.neighbourhood_id IS DISTINCT FROM neighbourhood_at(s.geom);
    SELECT catchment_pieces_refresh(array_agg(DISTINCT sc.service_id))
      FROM unnest(changed) AS c(geom)
      JOIN service_catchments sc ON sc.geom && ST_Transform(c.geom, 27700);
$$;

-- The overlaps' self-join of pieces is worth two workers on a county's data; without this, a table this size is
-- below min_parallel_table_scan_size and never scanned in parallel.
ALTER TABLE catchment_pieces SET (parallel_workers = 2);

SELECT service_catchments_refresh(array_agg(id)) FROM services;
