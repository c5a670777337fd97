-- Low-zoom vector tiles read stored counts. Below zoom 13 a tile of the assets layer is a grid of counts
-- (assetmap/tiles/sql/grid.sql); counting the points under a z6 tile on request reads every one of them (1.2M
-- in the issue's probe, 0.5 s even from stored EPSG:3857 points), where the same tile from stored counts reads at
-- most one row per occupied cell and category.
--
-- The grid is grid.sql's: at zoom z a cell is WORLD / 2^z / 64 metres of EPSG:3857 (64 cells across a tile),
-- numbered floor(x / cell) from the map's origin, so its edges are half-open and every cell lies in one tile. A
-- cell at zoom z is exactly 2^(10 - z) × 2^(10 - z) cells of zoom 10, so the coarser counts are sums of the finer
-- ones and need no second look at the points.
--
-- Zooms 0 to 10 are stored; 11 and 12 are still counted on request. Each stored zoom costs a row per occupied cell
-- and category, and the fine zooms have about as many as there are points: storing 11 and 12 as well doubled
-- what keeping the counts added to inserting 256k spread-out points, for tiles under 20 km wide whose points are
-- few enough to count on request.
--
-- Counts are per category (the layer's filter), so a filtered tile sums the chosen categories' rows. sx and sy sum
-- the points' coordinates: a cell's feature is drawn at the centre of its points, as grid.sql drew it.
CREATE TABLE tile_counts (
    layer text     NOT NULL,      -- the tile layer (assetmap/tiles LAYERS)
    z     smallint NOT NULL,
    cx    integer  NOT NULL,      -- floor(x / cell), x in EPSG:3857 metres
    cy    integer  NOT NULL,      -- floor(y / cell)
    code  text     NOT NULL,      -- the layer's filter code (an asset's category)
    n     integer  NOT NULL,
    sx    double precision NOT NULL,
    sy    double precision NOT NULL,
    PRIMARY KEY (layer, z, cx, cy, code)
);
-- Rows that fell to zero are removed after each change; this finds them without reading the table.
CREATE INDEX tile_counts_empty_idx ON tile_counts (layer) WHERE n = 0;

-- The grid, for assetmap/tiles to check itself against (tests/web/test_tile_counts.py): the finest zoom counted
-- and the cells across a tile.
CREATE FUNCTION tile_counts_grid(OUT finest integer, OUT cells integer) LANGUAGE sql IMMUTABLE AS $$
    SELECT 10, 64
$$;

-- Adds each point's delta (+1 or -1) to its cell at every counted zoom. Set-based, once per statement: a bulk
-- import of 100k assets is one call. Concurrent writers to the same cell each add their own delta
-- (INSERT … ON CONFLICT DO UPDATE locks the row and adds to what the other committed), in key order so that two
-- bulk changes do not deadlock.
CREATE FUNCTION tile_counts_change(tile_layer text, xs double precision[], ys double precision[], codes text[],
                                   deltas integer[]) RETURNS void LANGUAGE sql AS $$
    WITH grid AS (
        SELECT g.finest, 2 * pi() * 6378137 / 2 ^ g.finest / g.cells AS cell FROM tile_counts_grid() g
    ), finest AS (
        SELECT floor(p.x / grid.cell)::integer AS cx, floor(p.y / grid.cell)::integer AS cy, p.code,
               sum(p.d)::integer AS n, sum(p.d * p.x) AS sx, sum(p.d * p.y) AS sy
          FROM unnest(xs, ys, codes, deltas) AS p(x, y, code, d), grid
         GROUP BY 1, 2, 3
    ), zooms AS (
        -- >> is an arithmetic shift: floor division by 2^k, for negative cells too
        SELECT z::smallint AS z, f.cx >> (grid.finest - z) AS cx, f.cy >> (grid.finest - z) AS cy, f.code,
               sum(f.n)::integer AS n, sum(f.sx) AS sx, sum(f.sy) AS sy
          FROM finest f, grid, generate_series(0, grid.finest) AS z
         GROUP BY 1, 2, 3, 4
    )
    INSERT INTO tile_counts AS t (layer, z, cx, cy, code, n, sx, sy)
    SELECT tile_layer, z, cx, cy, code, n, sx, sy FROM zooms
     WHERE n <> 0 OR sx <> 0 OR sy <> 0   -- a point that moved within its cell changes only the sums
     ORDER BY z, cx, cy, code
        ON CONFLICT (layer, z, cx, cy, code)
        DO UPDATE SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy;
    DELETE FROM tile_counts WHERE layer = tile_layer AND n = 0;
$$;

-- The assets layer counts published assets at their public point (tile_geom: a private home's generalised one),
-- by category: what public_assets holds. Statement-level triggers with transition tables, so a bulk import pays
-- one aggregate, not a trigger call per row.
CREATE FUNCTION assets_tile_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    xs double precision[];
    ys double precision[];
    codes text[];
    deltas integer[];
BEGIN
    -- Transition tables exist only for the events that have them, so each branch names its own.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(ST_X(tile_geom)), array_agg(ST_Y(tile_geom)), array_agg(category), array_agg(1)
          INTO xs, ys, codes, deltas
          FROM new_rows WHERE status = 'published';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(ST_X(tile_geom)), array_agg(ST_Y(tile_geom)), array_agg(category), array_agg(-1)
          INTO xs, ys, codes, deltas
          FROM old_rows WHERE status = 'published';
    ELSE
        -- Only rows whose counted point, category or publication changed: most updates (an edit, a
        -- confirmation) change none of them and cost a join.
        SELECT array_agg(ST_X(v.g)), array_agg(ST_Y(v.g)), array_agg(v.code), array_agg(v.d)
          INTO xs, ys, codes, deltas
          FROM old_rows o JOIN new_rows n USING (id),
               LATERAL (VALUES (o.tile_geom, o.category, -1, o.status = 'published'),
                               (n.tile_geom, n.category, 1, n.status = 'published')) AS v(g, code, d, counted)
         WHERE v.counted
           AND (o.status <> n.status OR o.category <> n.category
                OR ST_X(o.tile_geom) <> ST_X(n.tile_geom) OR ST_Y(o.tile_geom) <> ST_Y(n.tile_geom));
    END IF;
    IF xs IS NOT NULL THEN
        PERFORM tile_counts_change('assets', xs, ys, codes, deltas);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER assets_tile_counts_inserted AFTER INSERT ON assets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assets_tile_counts();
CREATE TRIGGER assets_tile_counts_updated AFTER UPDATE ON assets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assets_tile_counts();
CREATE TRIGGER assets_tile_counts_deleted AFTER DELETE ON assets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION assets_tile_counts();

CREATE FUNCTION assets_tile_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tile_counts WHERE layer = 'assets';
    RETURN NULL;
END
$$;
CREATE TRIGGER assets_tile_counts_truncated AFTER TRUNCATE ON assets
    FOR EACH STATEMENT EXECUTE FUNCTION assets_tile_counts_truncated();

-- The assets already published.
SELECT tile_counts_change('assets', array_agg(ST_X(tile_geom)), array_agg(ST_Y(tile_geom)), array_agg(category),
                          array_agg(1))
  FROM assets WHERE status = 'published'
HAVING count(*) > 0;
