-- Re-importing assets was quadratic in the tile counts' UPDATE trigger (migration 0020): re-importing 20k assets
-- spent 81.5 s there. The trigger joins the statement's transition tables old_rows ⋈ new_rows by id, and
-- PL/pgSQL plans that query once per session and keeps the plan: the first UPDATE of a session (often one row,
-- or none: an import's first chunk, all inserts, still fires the UPDATE trigger) fixed a nested loop, which then
-- compared every old row with every new one on the re-import's 20k-row statements. The join now runs through
-- EXECUTE, planned on each call for the sizes of that call's transition tables: a hash join for a re-import, a
-- nested loop for a one-row edit, as each is cheapest. (Turning nested loops off for the function instead also
-- forbids the lateral VALUES below, whose penalty cost then sets off JIT compilation on every call.)
CREATE OR REPLACE FUNCTION assets_tile_counts() RETURNS trigger LANGUAGE plpgsql AS $$
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
        EXECUTE $q$
            SELECT array_agg(ST_X(v.g)), array_agg(ST_Y(v.g)), array_agg(v.code), array_agg(v.d)
              FROM old_rows o JOIN new_rows n USING (id),
                   LATERAL (VALUES (o.tile_geom, o.category, -1, o.status = 'published'),
                                   (n.tile_geom, n.category, 1, n.status = 'published')) AS v(g, code, d, counted)
             WHERE v.counted
               AND (o.status <> n.status OR o.category <> n.category
                    OR ST_X(o.tile_geom) <> ST_X(n.tile_geom) OR ST_Y(o.tile_geom) <> ST_Y(n.tile_geom))
        $q$ INTO xs, ys, codes, deltas;
    END IF;
    IF xs IS NOT NULL THEN
        PERFORM tile_counts_change('assets', xs, ys, codes, deltas);
    END IF;
    RETURN NULL;
END
$$;
