-- Every geometry column has its GiST index (tests/db/test_schema.py): an approved point is read by asset id, but a
-- planner's question "what moved away from where it was approved, round here?" is spatial.
CREATE INDEX asset_approved_points_geom_idx ON asset_approved_points USING gist (geom);
