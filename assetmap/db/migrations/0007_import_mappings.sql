-- Column mappings that planners confirmed on the upload page, so the next upload of the same source starts from
-- them. A mapping is keyed by the source label (what re-imports are matched by) and the file's set of column
-- names; the set is kept as a SHA-256 of the sorted names, since a wide file's names would not fit a btree key.
-- `mapping` is the command line's mapping file as JSON (`assetmap import assets FILE --mapping M`), so the page
-- can hand it out as one.

CREATE TABLE import_mappings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    columns_key text NOT NULL CHECK (columns_key ~ '^[0-9a-f]{64}$'),
    columns     text[] NOT NULL,
    mapping     jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'object'),
    saved_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    UNIQUE (source, columns_key)
);
-- A file whose source label changed (next year's file under a new name) still finds its mapping by its columns.
CREATE INDEX import_mappings_columns_idx ON import_mappings (columns_key, updated_at DESC);
CREATE TRIGGER import_mappings_touch BEFORE UPDATE ON import_mappings
    FOR EACH ROW EXECUTE FUNCTION touch_row();
