-- One-time links that let the holder of an entry say "still right" from a reminder mail. The mail cannot carry the
-- edit link (only its hash is kept), so each reminder gets a link of its own: random, stored only as its SHA-256,
-- good for one confirmation of one entry until it expires (model/freshness.py).
CREATE TABLE confirm_links (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id   bigint NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX confirm_links_asset_idx ON confirm_links (asset_id);
CREATE INDEX confirm_links_expires_idx ON confirm_links (expires_at);
