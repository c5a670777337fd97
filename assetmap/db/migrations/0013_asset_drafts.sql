-- A change to a published entry waits here, while the entry and its offers stay on the map as approved: the public
-- views read only `assets` and `capacity_offers`, so they keep showing the approved version with no change to them.
-- One row per asset at most: a waiting change ('pending'), or one a planner turned down ('rejected', with the
-- reason shown on the resident's edit page). Approving applies it to the asset and deletes the row; so do
-- withdrawal and merging. Entries never published are still edited in place.
CREATE TABLE asset_drafts (
    asset_id          bigint PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
    -- What the resident typed, and the published version they changed, both in the submission's field names
    -- (model/submission.py AssetSubmission). Approving applies only the fields that differ between the two, so a
    -- change made to the entry meanwhile (a merge filling a blank, a confirmation) is not undone.
    submission        jsonb NOT NULL,
    base              jsonb NOT NULL,
    base_version      integer NOT NULL,      -- the asset's version that `base` was
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rejected')),
    moderation_reason text CHECK (length(moderation_reason) <= 2000),
    moderated_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    moderated_at      timestamptz,
    actor             text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),   -- waiting since: kept when a waiting change is replaced
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- Counts on from the asset's last draft (record_versions), so a planner's page never mistakes a new change
    -- for the one it showed.
    version           integer NOT NULL DEFAULT 1
);
CREATE INDEX asset_drafts_waiting_idx ON asset_drafts (created_at) WHERE status = 'pending';
CREATE INDEX asset_drafts_moderated_by_idx ON asset_drafts (moderated_by) WHERE moderated_by IS NOT NULL;
CREATE TRIGGER asset_drafts_touch BEFORE UPDATE ON asset_drafts
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Every version of a draft is kept with those of requests and exchanges.
ALTER TABLE record_versions DROP CONSTRAINT record_versions_entity_check,
    ADD CONSTRAINT record_versions_entity_check
        CHECK (entity IN ('capacity_requests', 'exchanges', 'asset_drafts'));
