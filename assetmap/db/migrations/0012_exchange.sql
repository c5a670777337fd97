-- Spare capacity that can be found, asked for and used: when each entry was last confirmed, requests for an offer,
-- the exchanges they become, versions of both, and an outbox of mail written in the same transaction as the change.

-- Freshness. An entry is confirmed when it is created, edited, or its holder taps "still right"; existing rows
-- count as confirmed when they last changed. The touch trigger is held off for the backfill: it is not an edit.
ALTER TABLE assets ADD COLUMN last_confirmed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE capacity_offers ADD COLUMN last_confirmed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE assets DISABLE TRIGGER assets_touch;
UPDATE assets SET last_confirmed_at = updated_at;
ALTER TABLE assets ENABLE TRIGGER assets_touch;
ALTER TABLE capacity_offers DISABLE TRIGGER capacity_offers_touch;
UPDATE capacity_offers SET last_confirmed_at = updated_at;
ALTER TABLE capacity_offers ENABLE TRIGGER capacity_offers_touch;
CREATE INDEX assets_last_confirmed_idx ON assets (last_confirmed_at) WHERE status = 'published';

-- An offer as the API shows it gains its id (what a request names) and when it was last confirmed.
CREATE OR REPLACE FUNCTION offer_json(o capacity_offers, cost costs) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', o.id, 'kind', o.kind, 'quantity', o.quantity, 'unit', o.unit,
                              'schedule', o.schedule, 'schedule_text', coalesce(o.schedule_text, o.schedule),
                              'cost', o.cost, 'cost_label', cost.label, 'audience', o.audience,
                              'description', o.description, 'last_confirmed_at', o.last_confirmed_at)
$$;

-- The public views gain last_confirmed_at (new columns go last: CREATE OR REPLACE VIEW rule).
CREATE OR REPLACE VIEW public_capacity_offers AS
SELECT o.id, o.asset_id, o.kind, o.description, o.quantity, o.unit, o.schedule, o.audience, o.cost,
       o.valid_from, o.valid_to, offer_json(o, k) AS offer, coalesce(o.schedule_text, o.schedule) AS schedule_text,
       o.last_confirmed_at
  FROM capacity_offers o
  JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
  LEFT JOIN costs k ON k.code = o.cost
 WHERE o.status = 'active'
   AND (o.valid_to IS NULL OR o.valid_to >= current_date);

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
       a.organisation_name,
       coalesce(o.name, nullif(a.organisation_name, '')) AS organisation,
       o.website AS organisation_website,
       n.code AS neighbourhood_code,
       n.name AS neighbourhood_name,
       cat.label AS category_label,
       coalesce((SELECT jsonb_agg(c.offer ORDER BY c.id) FROM public_capacity_offers c WHERE c.asset_id = a.id),
                '[]'::jsonb) AS capacity,
       a.last_confirmed_at
  FROM assets a
  LEFT JOIN organisations o ON o.id = a.organisation_id
  LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
  LEFT JOIN categories cat ON cat.code = a.category
 WHERE a.status = 'published';

-- A request for an offer (or, proposed by a planner or holder, an offer to an open need). The requester's name,
-- organisation and contact are private: only the holder of the offer, the requester and staff see them. The
-- request keeps the asset and what was asked for even if the offer is later changed away (offer_id SET NULL).
CREATE TABLE capacity_requests (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id              uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    asset_id               bigint NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    offer_id               bigint REFERENCES capacity_offers (id) ON DELETE SET NULL,
    need_id                bigint REFERENCES capacity_needs (id) ON DELETE SET NULL,
    kind                   text NOT NULL REFERENCES capacity_kinds (code),
    requester_name         text NOT NULL CHECK (length(requester_name) BETWEEN 1 AND 200),
    requester_organisation text NOT NULL DEFAULT '' CHECK (length(requester_organisation) <= 200),
    purpose                text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    wanted_when            text NOT NULL DEFAULT '' CHECK (length(wanted_when) <= 500),
    quantity               numeric CHECK (quantity > 0 AND quantity <= 100000),
    unit                   text REFERENCES units (code),
    contact                text NOT NULL CHECK (length(contact) BETWEEN 1 AND 320),   -- private
    -- Where the requesting side is: the other end of an exchange's flow between neighbourhoods.
    neighbourhood_id       bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    status                 text NOT NULL DEFAULT 'sent'
                           CHECK (status IN ('sent', 'accepted', 'declined', 'withdrawn')),
    holder_message         text CHECK (length(holder_message) <= 2000),
    decided_at             timestamptz,
    -- Each side's private link to this request and its exchange; only SHA-256s are kept, like edit links. The
    -- holder's goes out by mail (their edit link also reaches every request for their entry).
    requester_token_hash   bytea NOT NULL UNIQUE,
    holder_token_hash      bytea UNIQUE,
    source                 text NOT NULL DEFAULT 'form' CHECK (source IN ('form', 'api', 'planner', 'proposal')),
    logged_by              bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    version                integer NOT NULL DEFAULT 1,
    CHECK ((quantity IS NULL) = (unit IS NULL))
);
CREATE INDEX capacity_requests_asset_idx ON capacity_requests (asset_id, created_at);
CREATE INDEX capacity_requests_offer_idx ON capacity_requests (offer_id) WHERE offer_id IS NOT NULL;
CREATE INDEX capacity_requests_need_idx ON capacity_requests (need_id) WHERE need_id IS NOT NULL;
CREATE INDEX capacity_requests_status_idx ON capacity_requests (status, created_at);
CREATE INDEX capacity_requests_neighbourhood_idx ON capacity_requests (neighbourhood_id);
CREATE INDEX capacity_requests_logged_by_idx ON capacity_requests (logged_by) WHERE logged_by IS NOT NULL;
CREATE TRIGGER capacity_requests_touch BEFORE UPDATE ON capacity_requests
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- What an accepted request became. One side records what happened, the other confirms; only confirmed exchanges
-- count in the figures. The two neighbourhoods are fixed when the request is accepted, so a later boundary change
-- does not rewrite where past hours flowed.
CREATE TABLE exchanges (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id                 uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    request_id                bigint NOT NULL UNIQUE REFERENCES capacity_requests (id) ON DELETE CASCADE,
    status                    text NOT NULL DEFAULT 'agreed'
                              CHECK (status IN ('agreed', 'recorded', 'confirmed', 'cancelled')),
    hours                     numeric CHECK (hours >= 0 AND hours <= 100000),
    people_reached            integer CHECK (people_reached >= 0 AND people_reached <= 1000000),
    started_on                date,
    ended_on                  date CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on),
    notes                     text CHECK (length(notes) <= 2000),   -- private to the two sides and staff
    giver_neighbourhood_id    bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    receiver_neighbourhood_id bigint REFERENCES neighbourhoods (id) ON DELETE SET NULL,
    recorded_by               text CHECK (recorded_by IN ('holder', 'requester', 'planner')),
    recorded_at               timestamptz,
    confirmed_by              text CHECK (confirmed_by IN ('holder', 'requester', 'planner')),
    confirmed_at              timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    version                   integer NOT NULL DEFAULT 1,
    CHECK (status NOT IN ('recorded', 'confirmed') OR (hours IS NOT NULL AND recorded_at IS NOT NULL)),
    CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL)
);
CREATE INDEX exchanges_status_idx ON exchanges (status, confirmed_at);
CREATE INDEX exchanges_giver_idx ON exchanges (giver_neighbourhood_id);
CREATE INDEX exchanges_receiver_idx ON exchanges (receiver_neighbourhood_id);
CREATE TRIGGER exchanges_touch BEFORE UPDATE ON exchanges
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Every version of a request or an exchange, like asset_versions for assets.
CREATE TABLE record_versions (
    entity    text NOT NULL CHECK (entity IN ('capacity_requests', 'exchanges')),
    entity_id bigint NOT NULL,
    version   integer NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    snapshot  jsonb NOT NULL,
    PRIMARY KEY (entity, entity_id, version)
);

-- Mail waiting to go. Written in the same transaction as the change it tells someone about, so a rolled-back
-- change sends nothing and a committed one cannot lose its mail; a worker sends it (assetmap/mail/).
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address      text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 320),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body            text NOT NULL,
    topic           text NOT NULL,            -- request, decision, exchange, confirm_reminder …
    -- At most one message per key (a reminder once per period, say): a second enqueue is a no-op.
    dedupe_key      text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    dead_at         timestamptz,               -- given up after the last retry: the admins' dead-letter view
    CHECK (sent_at IS NULL OR dead_at IS NULL)
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_dead_idx ON outbox (dead_at) WHERE dead_at IS NOT NULL;

-- Wake the mail worker when a message is committed, instead of it polling every few seconds.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('assetmap_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
