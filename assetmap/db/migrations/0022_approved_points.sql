-- Where a published entry was when it was last approved (by a planner, or by being imported or published by
-- staff), so a resident's small moves add up: forty edits of 20 m moved an entry 800 m without review when each
-- move was measured from the one before. No row: the entry has not moved since it was approved, so its point is
-- the approved one (the row is written before the first move, and again at each approval).
CREATE TABLE asset_approved_points (
    asset_id bigint PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
    geom     geometry(Point, 4326) NOT NULL
);
