-- What the Total Place and capacity analyses read (assetmap/analysis/, its SQL functions in analysis/sql/).

-- Each distinct schedule's reference week, from the maintained parser (assetmap/schedule_weeks.py): the hours a
-- week it is open and its 5-minute slots from Monday 00:00. Keyed by the schedule text, so 100k offers that share
-- thirty schedules are parsed thirty times, and SQL reads the figures without a parser.
CREATE TABLE schedule_weeks (
    schedule text PRIMARY KEY,
    hours    double precision NOT NULL CHECK (hours BETWEEN 0 AND 168),
    slots    bit(2016) NOT NULL
);

-- Areas and distances are measured in the British National Grid (metres). The projected shapes are stored, not
-- computed per query, so the spatial joins of the analyses use an index on them; ST_Transform is immutable, so a
-- generated column keeps them in step with every write.
ALTER TABLE neighbourhoods
    ADD COLUMN geom_bng geometry(MultiPolygon, 27700) GENERATED ALWAYS AS (ST_Transform(geom, 27700)) STORED;
CREATE INDEX neighbourhoods_geom_bng_idx ON neighbourhoods USING gist (geom_bng);

ALTER TABLE service_areas
    ADD COLUMN geom_bng geometry(MultiPolygon, 27700) GENERATED ALWAYS AS (ST_Transform(geom, 27700)) STORED;
CREATE INDEX service_areas_geom_bng_idx ON service_areas USING gist (geom_bng);

ALTER TABLE assets
    ADD COLUMN geom_bng geometry(Point, 27700) GENERATED ALWAYS AS (ST_Transform(geom, 27700)) STORED;
CREATE INDEX assets_geom_bng_idx ON assets USING gist (geom_bng);

CREATE INDEX capacity_needs_open_idx ON capacity_needs (kind) WHERE status = 'open';
