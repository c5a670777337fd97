-- Residents' contributions and their moderation: versions, edit links, staff API tokens, rate limits.

-- What a resident typed as "organisation" is kept as text; a planner may link it to an organisations row later.
ALTER TABLE assets
    ADD COLUMN organisation_name text NOT NULL DEFAULT '' CHECK (length(organisation_name) <= 200),
    ADD COLUMN moderation_reason text CHECK (length(moderation_reason) <= 2000),
    ADD COLUMN moderated_by bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN moderated_at timestamptz,
    -- Set when a planner merged this entry into another; the row stays (archived) so its history stays.
    ADD COLUMN merged_into bigint REFERENCES assets (id) ON DELETE SET NULL,
    ADD CHECK (merged_into IS NULL OR status = 'archived'),
    ADD CHECK (merged_into IS DISTINCT FROM id);
CREATE UNIQUE INDEX assets_edit_token_idx ON assets (edit_token_hash) WHERE edit_token_hash IS NOT NULL;
CREATE INDEX assets_postcode_idx ON assets (upper(replace(postcode, ' ', ''))) WHERE postcode IS NOT NULL;

-- Every version of an asset, offers included, as the writer left it. Written by the model on each create,
-- edit, moderation and merge (in the same transaction), so "who changed what, when" can always be answered.
CREATE TABLE asset_versions (
    asset_id   bigint NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    version    integer NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    snapshot   jsonb NOT NULL,
    PRIMARY KEY (asset_id, version)
);

-- The asset with its offers as one JSON document: the shape of a version and of an audit "before/after".
CREATE FUNCTION asset_snapshot(asset bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(a) - 'edit_token_hash' - 'geom' - 'public_geom'
           || jsonb_build_object(
                  'lon', ST_X(a.geom), 'lat', ST_Y(a.geom),
                  'offers', coalesce((SELECT jsonb_agg(to_jsonb(o) - 'asset_id' ORDER BY o.id)
                                        FROM capacity_offers o WHERE o.asset_id = a.id), '[]'::jsonb))
      FROM assets a WHERE a.id = asset
$$;

-- Staff API tokens (`Authorization: Bearer …`). Only a hash is stored; the token is shown once.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Fixed-window rate-limit counters, shared by every web worker and machine through the database.
CREATE UNLOGGED TABLE rate_limits (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- The area contributions may be placed in: every neighbourhood, widened by a margin (default 2 km).
CREATE FUNCTION service_area(margin_m double precision DEFAULT 2000) RETURNS geometry
LANGUAGE sql STABLE AS $$
    SELECT ST_Buffer(ST_Union(geom)::geography, margin_m)::geometry FROM neighbourhoods
$$;

-- The public view gains the organisation a resident named (new columns go last: CREATE OR REPLACE VIEW rule).
CREATE OR REPLACE VIEW public_assets AS
SELECT a.id,
       a.public_id,
       a.name,
       a.category,
       a.tags,
       a.description,
       a.audience,
       a.accessibility,
       a.organisation_id,
       CASE WHEN a.is_private_home THEN '' ELSE a.address END AS address,
       CASE WHEN a.is_private_home THEN NULL ELSE a.postcode END AS postcode,
       a.public_geom AS geom,
       a.location_precision,
       a.is_private_home,
       a.neighbourhood_id,
       a.created_at,
       a.updated_at,
       a.organisation_name
  FROM assets a
 WHERE a.status = 'published';

-- Needs get a source like every other imported row, so importers can upsert them.
ALTER TABLE capacity_needs
    ADD COLUMN source text NOT NULL DEFAULT 'manual',
    ADD COLUMN source_ref text,
    ADD UNIQUE (source, source_ref);

-- Foreign keys with ON DELETE SET NULL scan the referencing table on every delete without these.
CREATE INDEX assets_organisation_idx ON assets (organisation_id) WHERE organisation_id IS NOT NULL;
CREATE INDEX capacity_needs_organisation_idx ON capacity_needs (organisation_id) WHERE organisation_id IS NOT NULL;
CREATE INDEX assets_merged_into_idx ON assets (merged_into) WHERE merged_into IS NOT NULL;
