-- OpenActive feeds (RPDE) are logs of changes: each page says which sessions were updated or deleted since the last.
-- The OpenActive importer (ingest/openactive.py) keeps the latest state of every item it has read, so a later page
-- can delete a session an earlier import turned into an offer, and a session can name a series read from another
-- file. This is only the importer's memory of the feeds: the assets and their offers are written by the asset
-- importer as usual (ingest/assets.py), with their versions and audit rows.
CREATE TABLE openactive_items (
    feed       text NOT NULL,          -- where the item came from: its page's `next` link without the query, or ''
    kind       text NOT NULL,          -- the RPDE kind: ScheduledSession, SessionSeries, …
    id         text NOT NULL,          -- the RPDE id, unique within its feed and kind
    modified   text NOT NULL,          -- the RPDE modified value as given (a number, or text): later wins
    ref        text,                   -- the data's @id: how a session names its series (superEvent)
    parent_ref text,                   -- a session's series, by that @id
    place_ref  text,                   -- the asset (source 'openactive', this source_ref) its offer sits on
    place      jsonb,                  -- that asset's fields, to rebuild its offers when a file does not name it
    offer      jsonb,                  -- the offer the session became; NULL when it became none
    ends_at    timestamptz,            -- when the session ends: an ended session is an offer no more
    data       jsonb NOT NULL,         -- the item's data as read
    read_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed, kind, id)
);
CREATE INDEX openactive_items_place_idx ON openactive_items (place_ref) WHERE place_ref IS NOT NULL;
CREATE INDEX openactive_items_ref_idx ON openactive_items (ref) WHERE ref IS NOT NULL;
CREATE INDEX openactive_items_parent_idx ON openactive_items (parent_ref) WHERE parent_ref IS NOT NULL;
