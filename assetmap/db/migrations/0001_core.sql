-- The core schema: neighbourhoods, assets and their spare capacity, services and their touchpoints and
-- catchments, staff users, the audit log and the gazetteer.
--
-- Conventions
-- * Geometry is stored in EPSG:4326. Distances and areas are computed in a projected CRS (British National
--   Grid by default) or as geography, never in degrees.
-- * Every geometry column has CHECKs for its type, SRID and validity, and a GiST index.
-- * Status and kind columns are text with a CHECK, so a new value is one ALTER away (no enum rewrite).
-- * Controlled vocabularies (categories, themes, client groups, capacity kinds) are tables, kept in step with
--   the files in data/ by `assetmap db migrate`; the data columns reference them.
-- * Rows people edit carry created_at, updated_at and a version column. The version goes up by one on every
--   update, so an edit can say "UPDATE … WHERE id = $1 AND version = $2" and detect a lost update.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;   -- gen_random_uuid() on PostgreSQL < 13, digest() for token hashes

-- Shared trigger: keep updated_at and version honest whatever the client sends.
CREATE FUNCTION touch_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

-- Vocabularies -------------------------------------------------------------------------------------------------

CREATE TABLE categories (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    colour      text NOT NULL DEFAULT '#555555' CHECK (colour ~ '^#[0-9a-fA-F]{6}$'),
    icon        text NOT NULL DEFAULT 'circle',
    sort_order  integer NOT NULL DEFAULT 0
);

CREATE TABLE capacity_kinds (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0
);

CREATE TABLE themes (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0
);

CREATE TABLE client_groups (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0
);

-- Places -------------------------------------------------------------------------------------------------------

CREATE TABLE neighbourhoods (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    population  integer CHECK (population >= 0),
    need_score  double precision,            -- higher means more need, e.g. an IMD score
    attrs       jsonb NOT NULL DEFAULT '{}'::jsonb,
    geom        geometry(MultiPolygon, 4326) NOT NULL
                CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    source      text NOT NULL DEFAULT 'manual',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1
);
CREATE INDEX neighbourhoods_geom_idx ON neighbourhoods USING gist (geom);
CREATE TRIGGER neighbourhoods_touch BEFORE UPDATE ON neighbourhoods
    FOR EACH ROW EXECUTE FUNCTION touch_row();

CREATE TABLE organisations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL DEFAULT 'other' CHECK (kind IN (
                    'residents_group', 'charity', 'faith_group', 'public_body', 'business',
                    'social_enterprise', 'other')),
    website     text,
    source      text NOT NULL DEFAULT 'manual',
    source_ref  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    UNIQUE (source, source_ref)
);
CREATE INDEX organisations_name_trgm_idx ON organisations USING gin (name gin_trgm_ops);
CREATE TRIGGER organisations_touch BEFORE UPDATE ON organisations
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Assets and spare capacity ------------------------------------------------------------------------------------

CREATE TABLE assets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id       uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),  -- the id in URLs and the API
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category        text NOT NULL REFERENCES categories (code),
    tags            text[] NOT NULL DEFAULT '{}',
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    audience        text NOT NULL DEFAULT '' CHECK (length(audience) <= 1000),   -- who can use it
    accessibility   text NOT NULL DEFAULT '' CHECK (length(accessibility) <= 2000),
    organisation_id bigint REFERENCES organisations (id) ON DELETE SET NULL,
    address         text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    postcode        text,
    geom            geometry(Point, 4326) NOT NULL
                    CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)
                           AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    -- 'generalised' for private homes: public views show a grid-cell centre, never geom.
    location_precision text NOT NULL DEFAULT 'exact'
                    CHECK (location_precision IN ('exact', 'generalised')),
    is_private_home boolean NOT NULL DEFAULT false,
    -- Derived by assets_set_neighbourhood() below; whatever a client writes here is overwritten.
    neighbourhood_id bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    contact_email   text,   -- private: never shown publicly
    contact_phone   text,   -- private: never shown publicly
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'published', 'rejected', 'archived')),
    source          text NOT NULL DEFAULT 'resident',
    source_ref      text,
    edit_token_hash bytea,  -- sha256 of the resident's edit token; the token itself is never stored
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    CHECK (NOT is_private_home OR location_precision = 'generalised'),
    UNIQUE (source, source_ref)
);
CREATE INDEX assets_geom_idx ON assets USING gist (geom);
CREATE INDEX assets_published_geom_idx ON assets USING gist (geom) WHERE status = 'published';
CREATE INDEX assets_category_idx ON assets (category);
CREATE INDEX assets_neighbourhood_idx ON assets (neighbourhood_id);
CREATE INDEX assets_status_created_idx ON assets (status, created_at);
CREATE INDEX assets_name_trgm_idx ON assets USING gin (name gin_trgm_ops);
CREATE TRIGGER assets_touch BEFORE UPDATE ON assets
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- An asset's neighbourhood is the one whose polygon covers its point. Done here, not in Python, so every
-- writer (form, API, importer, psql) gets the same answer.
CREATE FUNCTION neighbourhood_at(p geometry) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT n.id FROM neighbourhoods n WHERE ST_Covers(n.geom, p) ORDER BY n.id LIMIT 1
$$;

-- The same query as neighbourhood_at(), written out so PL/pgSQL plans it once per session rather than once per
-- row (a third faster on bulk loads).
CREATE FUNCTION assets_set_neighbourhood() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT n.id INTO NEW.neighbourhood_id
      FROM neighbourhoods n WHERE ST_Covers(n.geom, NEW.geom) ORDER BY n.id LIMIT 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER assets_neighbourhood BEFORE INSERT OR UPDATE OF geom, neighbourhood_id ON assets
    FOR EACH ROW EXECUTE FUNCTION assets_set_neighbourhood();

CREATE TABLE capacity_offers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id    bigint NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    kind        text NOT NULL REFERENCES capacity_kinds (code),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    quantity    numeric CHECK (quantity > 0 AND quantity <= 100000),
    unit        text CHECK (unit IN ('hours_per_week', 'places', 'items')),
    schedule    text CHECK (length(schedule) <= 500),   -- OSM opening_hours syntax, validated on the way in
    audience    text NOT NULL DEFAULT '' CHECK (length(audience) <= 1000),
    cost        text NOT NULL DEFAULT 'free' CHECK (cost IN ('free', 'donation', 'subsidised', 'paid')),
    valid_from  date,
    valid_to    date CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    CHECK ((quantity IS NULL) = (unit IS NULL))
);
CREATE INDEX capacity_offers_asset_idx ON capacity_offers (asset_id);
CREATE INDEX capacity_offers_kind_idx ON capacity_offers (kind);
CREATE TRIGGER capacity_offers_touch BEFORE UPDATE ON capacity_offers
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- What a group or neighbourhood is looking for, in the same terms as an offer, so the two can be matched.
CREATE TABLE capacity_needs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    kind             text NOT NULL REFERENCES capacity_kinds (code),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    quantity         numeric CHECK (quantity > 0 AND quantity <= 100000),
    unit             text CHECK (unit IN ('hours_per_week', 'places', 'items')),
    schedule         text CHECK (length(schedule) <= 500),
    audience         text NOT NULL DEFAULT '' CHECK (length(audience) <= 1000),
    organisation_id  bigint REFERENCES organisations (id) ON DELETE SET NULL,
    neighbourhood_id bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    geom             geometry(Point, 4326) CHECK (geom IS NULL OR ST_IsValid(geom)),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'closed')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CHECK ((quantity IS NULL) = (unit IS NULL)),
    CHECK (geom IS NOT NULL OR neighbourhood_id IS NOT NULL)
);
CREATE INDEX capacity_needs_geom_idx ON capacity_needs USING gist (geom);
CREATE INDEX capacity_needs_neighbourhood_idx ON capacity_needs (neighbourhood_id);
CREATE TRIGGER capacity_needs_touch BEFORE UPDATE ON capacity_needs
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Services (Total Place) ---------------------------------------------------------------------------------------

CREATE TABLE services (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id     uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    agency        text NOT NULL CHECK (length(agency) BETWEEN 1 AND 200),
    agency_kind   text NOT NULL DEFAULT 'other' CHECK (agency_kind IN (
                      'nhs', 'council', 'housing', 'police', 'dwp', 'voluntary', 'education', 'other')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    theme         text NOT NULL REFERENCES themes (code),
    client_groups text[] NOT NULL DEFAULT '{}',   -- codes from client_groups; checked by a trigger below
    annual_spend  numeric(14, 2) CHECK (annual_spend >= 0),   -- GBP a year
    contact       text NOT NULL DEFAULT '',
    openreferral_id text,
    source        text NOT NULL DEFAULT 'manual',
    source_ref    text,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'closed')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1,
    UNIQUE (source, source_ref)
);
CREATE INDEX services_client_groups_idx ON services USING gin (client_groups);
CREATE INDEX services_theme_idx ON services (theme);
CREATE TRIGGER services_touch BEFORE UPDATE ON services
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Arrays cannot carry foreign keys, so check client-group codes against their vocabulary here.
CREATE FUNCTION services_check_client_groups() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unknown text;
BEGIN
    SELECT g INTO unknown
      FROM unnest(NEW.client_groups) AS g
     WHERE NOT EXISTS (SELECT 1 FROM client_groups c WHERE c.code = g)
     LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown client group "%"', unknown USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER services_client_groups BEFORE INSERT OR UPDATE OF client_groups ON services
    FOR EACH ROW EXECUTE FUNCTION services_check_client_groups();

-- Touchpoints: where a service meets the people it serves.
CREATE TABLE service_sites (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id        bigint NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind              text NOT NULL DEFAULT 'fixed' CHECK (kind IN ('fixed', 'outreach', 'home_visit')),
    address           text NOT NULL DEFAULT '',
    postcode          text,
    geom              geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    neighbourhood_id  bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    schedule          text CHECK (length(schedule) <= 500),
    contacts_per_week integer CHECK (contacts_per_week >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           integer NOT NULL DEFAULT 1
);
CREATE INDEX service_sites_geom_idx ON service_sites USING gist (geom);
CREATE INDEX service_sites_service_idx ON service_sites (service_id);
CREATE TRIGGER service_sites_touch BEFORE UPDATE ON service_sites
    FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE FUNCTION service_sites_set_neighbourhood() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT n.id INTO NEW.neighbourhood_id
      FROM neighbourhoods n WHERE ST_Covers(n.geom, NEW.geom) ORDER BY n.id LIMIT 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER service_sites_neighbourhood BEFORE INSERT OR UPDATE OF geom, neighbourhood_id ON service_sites
    FOR EACH ROW EXECUTE FUNCTION service_sites_set_neighbourhood();

-- Catchments: the area a service covers.
CREATE TABLE service_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id  bigint NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    name        text NOT NULL DEFAULT '',
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1
);
CREATE INDEX service_areas_geom_idx ON service_areas USING gist (geom);
CREATE INDEX service_areas_service_idx ON service_areas (service_id);
CREATE TRIGGER service_areas_touch BEFORE UPDATE ON service_areas
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- When boundaries change, re-derive the neighbourhood of the assets and service sites under the changed
-- polygons (old and new shapes), set-based, once per statement.
CREATE FUNCTION rederive_neighbourhoods_within(changed geometry[]) RETURNS void LANGUAGE sql AS $$
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
$$;

CREATE FUNCTION neighbourhoods_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed geometry[];
BEGIN
    -- Transition tables exist only for the events that have them, so each branch names its own.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(geom) INTO changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(geom) INTO changed FROM old_rows;
    ELSE
        SELECT array_agg(g) INTO changed
          FROM old_rows o JOIN new_rows n USING (id),
               LATERAL (VALUES (o.geom), (n.geom)) AS v(g)
         WHERE NOT ST_Equals(o.geom, n.geom);
    END IF;
    IF changed IS NOT NULL THEN
        PERFORM rederive_neighbourhoods_within(changed);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER neighbourhoods_inserted AFTER INSERT ON neighbourhoods
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION neighbourhoods_changed();
CREATE TRIGGER neighbourhoods_updated AFTER UPDATE ON neighbourhoods
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION neighbourhoods_changed();
CREATE TRIGGER neighbourhoods_deleted AFTER DELETE ON neighbourhoods
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION neighbourhoods_changed();

-- People and accountability ------------------------------------------------------------------------------------

-- Staff only: residents never need an account.
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('planner', 'facilitator', 'admin')),
    password_hash text,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz,
    version       integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));
CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_row();

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    actor       text NOT NULL,        -- 'user:<email>', 'resident:<asset edit link>', 'cli', 'import:<file>'
    action      text NOT NULL,        -- create, update, moderate, merge, import, delete …
    entity      text NOT NULL,        -- table name
    entity_id   bigint,
    before      jsonb,
    after       jsonb,
    reason      text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);

-- Postcodes, addresses and place names, for geocoding without the internet.
CREATE TABLE gazetteer (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('postcode', 'address', 'street', 'place')),
    name        text NOT NULL,        -- as displayed: 'AV1 2AB', '12 Mill Lane', 'Holloway Green'
    normalised  text NOT NULL,        -- upper case, single spaces; postcodes in their canonical form
    geom        geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    source      text NOT NULL,
    attrs       jsonb NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (kind, normalised, source)
);
CREATE INDEX gazetteer_geom_idx ON gazetteer USING gist (geom);
CREATE INDEX gazetteer_postcode_idx ON gazetteer (normalised) WHERE kind = 'postcode';
CREATE INDEX gazetteer_normalised_trgm_idx ON gazetteer USING gin (normalised gin_trgm_ops);
