-- pg_restore runs with an empty search_path, and computes generated columns as it loads their rows: a function
-- behind a generated column must name everything it calls by schema, or a restore fails with "function
-- generalised_point(geometry) does not exist" (tests/db/test_backup.py). Same bodies as 0002, schema-qualified.
CREATE OR REPLACE FUNCTION generalised_point(p geometry, cell_m double precision DEFAULT 250) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT public.ST_Transform(
               public.ST_SetSRID(public.ST_MakePoint(floor(public.ST_X(bng) / cell_m) * cell_m + cell_m / 2,
                                                     floor(public.ST_Y(bng) / cell_m) * cell_m + cell_m / 2), 27700),
               4326)
      FROM public.ST_Transform(p, 27700) AS bng
$$;

CREATE OR REPLACE FUNCTION public_point(p geometry, location_precision text) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN location_precision = 'exact' THEN p ELSE public.generalised_point(p) END
$$;
