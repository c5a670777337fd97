-- Geocoding: a cache of online answers, and an index for fuzzy name look-ups in the gazetteer.

-- Every answer an online geocoder gave, "not found" included (lon/lat NULL), so no query is ever sent twice:
-- public Nominatim allows one request a second and an import may hold 100k addresses.
CREATE TABLE geocode_cache (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    geocoder    text NOT NULL CHECK (length(geocoder) BETWEEN 1 AND 100),
    query       text NOT NULL CHECK (length(query) BETWEEN 1 AND 1000),   -- normalised: upper case, single spaces
    lon         double precision CHECK (lon BETWEEN -180 AND 180),
    lat         double precision CHECK (lat BETWEEN -90 AND 90),
    confidence  double precision CHECK (confidence BETWEEN 0 AND 1),
    label       text,
    raw         jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((lon IS NULL) = (lat IS NULL)),
    CHECK (lon IS NULL OR confidence IS NOT NULL),
    UNIQUE (geocoder, query)
);

-- A national postcode file puts ~2.6M postcodes in the gazetteer; fuzzy name searches never want them, so they get
-- a trigram index of their own that leaves postcodes out (queries must say `kind <> 'postcode'` to use it).
CREATE INDEX gazetteer_names_trgm_idx ON gazetteer USING gin (normalised gin_trgm_ops) WHERE kind <> 'postcode';
