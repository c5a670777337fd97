"""The asset import's bulk path (chunks checked in a thread, one statement per chunk, neighbourhoods set-based with
the per-row trigger stepping aside) gives what the row-by-row rules give, and leaves every other writer alone."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest

from assetmap.ingest import assets as asset_loader
from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.staging import in_background

# Two neighbourhoods sharing the edge lon = -0.13: a point on it is covered by both and goes to the lower id.
WEST = "ST_Multi(ST_MakeEnvelope(-0.15, 51.52, -0.13, 51.54, 4326))"
EAST = "ST_Multi(ST_MakeEnvelope(-0.13, 51.52, -0.11, 51.54, 4326))"

MIXED = [
    {"source_ref": "a1", "name": "West Hall", "category": "community_centre", "lon": -0.14, "lat": 51.53},
    {"source_ref": "a2", "name": "", "category": "library", "lon": -0.14, "lat": 51.53},              # rejected
    {"source_ref": "a3", "name": "By postcode", "category": "library", "postcode": "nw1 1hy"},         # geocoded
    {"source_ref": "a4", "name": "Unknown postcode", "category": "library", "postcode": "ZZ9 9ZZ"},   # rejected
    {"source_ref": "a5", "name": "A front room", "category": "other", "lon": -0.12, "lat": 51.53,
     "private_home": "yes", "contact_email": "Someone@Example.org"},
    {"source_ref": "a6", "name": "On the edge", "category": "other", "lon": -0.13, "lat": 51.53},
    {"source_ref": "a7", "name": "Far away", "category": "other", "lon": -1.5, "lat": 53.8,
     "capacity.0.kind": "space", "capacity.0.schedule": "Tu 18:00-21:00", "capacity.1.kind": "equipment"},
    {"source_ref": "a1", "name": "Twice", "category": "other", "lon": -0.14, "lat": 51.53},          # rejected
    {"source_ref": "a9", "name": "Spaceport", "category": "spaceport", "lon": -0.14, "lat": 51.53},  # rejected
    {"source_ref": "a10", "name": "Same postcode", "category": "other", "postcode": "NW1 1HY",
     "capacity.0.kind": "space"},
]


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute(f"INSERT INTO neighbourhoods (code, name, geom) VALUES ('w', 'West', {WEST}), ('e', 'East', {EAST})")
        c.execute("INSERT INTO gazetteer (kind, name, normalised, geom, source) VALUES "
                  "('postcode', 'NW1 1HY', 'NW1 1HY', ST_SetSRID(ST_MakePoint(-0.125, 51.525), 4326), 'test')")
        yield c


def one(conn, query, *params):
    return conn.execute(query, params).fetchone()[0]


@pytest.mark.parametrize("chunk", [2, 10_000])   # several chunks in flight, and the whole file in one
def test_mixed_file(conn, tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(asset_loader, "CHUNK", chunk)
    path = tmp_path / "mixed.csv"
    pd.DataFrame(MIXED).to_csv(path, index=False)
    progress = []
    report = import_assets(conn, path, source="mixed", progress=progress.append)

    assert (report.read, report.inserted, report.updated) == (10, 6, 0)
    reasons = {r.row_number: r.reason for r in report.rejected}
    assert sorted(reasons) == [2, 4, 8, 9]
    assert "name: give the place or group a name" in reasons[2]
    assert reasons[4] == "could not geocode postcode ZZ9 9ZZ"
    assert reasons[8] == "source_ref 'a1' repeats row 1"
    assert "unknown category 'spaceport'" in reasons[9]
    assert report.rejected[0].row["name"] is None and report.rejected[1].row["postcode"] == "ZZ9 9ZZ"
    assert "2 located by geocoding their postcode or address" in report.notes
    assert report.outside == 1 and sum(progress) == 10

    got = {r[0]: r[1:] for r in conn.execute(
        "SELECT a.source_ref, n.code, a.location_precision, a.public_geom = a.geom, ST_X(a.geom), a.contact_email "
        "FROM assets a LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id")}
    assert got["a1"][:3] == ("w", "exact", True)
    assert got["a3"][0] == "e" and got["a3"][3] == -0.125                # geocoded, then placed
    assert got["a5"][:3] == ("e", "generalised", False)                  # a private home, shown at a cell centre
    assert got["a5"][4] == "Someone@example.org"                         # the shared rules normalised it
    assert got["a6"][0] == "w"                                           # on the shared edge: the lower id
    assert got["a7"][0] is None and got["a10"][0] == "e"
    # The trigger's own rule, asked directly, agrees for every asset.
    assert one(conn, "SELECT count(*) FROM assets "
                     "WHERE neighbourhood_id IS DISTINCT FROM neighbourhood_at(public_geom)") == 0
    assert [r[0] for r in conn.execute("SELECT source_ref FROM assets ORDER BY id")] == \
        ["a1", "a3", "a5", "a6", "a7", "a10"]                            # ids in file order

    offers = conn.execute("SELECT a.source_ref, o.kind, o.schedule, o.schedule_text FROM capacity_offers o "
                          "JOIN assets a ON a.id = o.asset_id ORDER BY o.id").fetchall()
    assert [o[:3] for o in offers] == [("a7", "space", "Tu 18:00-21:00"), ("a7", "equipment", None),
                                       ("a10", "space", None)]
    assert offers[0][3]                                                  # the schedule in words
    assert one(conn, "SELECT count(*) FROM schedule_weeks WHERE schedule = 'Tu 18:00-21:00'") == 1

    # One version per asset, equal to asset_snapshot(); one audit row for the import.
    assert one(conn, "SELECT count(*) FROM asset_versions WHERE actor = 'import:mixed'") == 6
    assert one(conn, "SELECT count(*) FROM asset_versions v JOIN assets a ON a.id = v.asset_id "
                     "WHERE v.version <> a.version OR v.snapshot <> asset_snapshot(a.id)") == 0
    assert one(conn, "SELECT count(*) FROM audit_log WHERE actor = 'import:mixed'") == 1

    # Again: every row an update, a second version each, the offers replaced rather than added to.
    again = import_assets(conn, path, source="mixed")
    assert (again.inserted, again.updated, len(again.rejected)) == (0, 6, 4)
    assert one(conn, "SELECT count(*) FROM capacity_offers") == 3
    assert one(conn, "SELECT count(*) FROM asset_versions v JOIN assets a ON a.id = v.asset_id "
                     "WHERE v.version = 2 AND v.snapshot = asset_snapshot(a.id)") == 6


def test_other_writers_keep_the_trigger(conn, tmp_path):
    """The import turns the trigger off for its own statements only: a write after it in the same transaction, and
    any write on another connection, is placed by the trigger whatever neighbourhood_id it says."""
    path = tmp_path / "one.csv"
    pd.DataFrame(MIXED[:1]).to_csv(path, index=False)
    with conn.transaction():
        import_assets(conn, path, source="one")
        assert one(conn, "SELECT current_setting('assetmap.neighbourhoods_given', true)") == "off"
        conn.execute("INSERT INTO assets (name, category, geom, neighbourhood_id) "
                     "VALUES ('Form', 'other', ST_SetSRID(ST_MakePoint(-0.12, 51.53), 4326), NULL)")
    conn.execute("UPDATE assets SET geom = ST_SetSRID(ST_MakePoint(-0.12, 51.53), 4326) WHERE source_ref = 'a1'")
    assert one(conn, "SELECT count(*) FROM assets a JOIN neighbourhoods n ON n.id = a.neighbourhood_id "
                     "WHERE n.code = 'e'") == 2


def test_a_bad_chunk_late_in_the_file_leaves_nothing(conn, tmp_path, monkeypatch):
    """A failure in the database after earlier chunks were written rolls all of them back."""
    monkeypatch.setattr(asset_loader, "CHUNK", 2)
    conn.execute("CREATE FUNCTION fail_on_last() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "IF NEW.source_ref = 'a10' THEN RAISE EXCEPTION 'late failure'; END IF; RETURN NEW; END $$")
    conn.execute("CREATE TRIGGER fail_on_last BEFORE INSERT ON assets FOR EACH ROW EXECUTE FUNCTION fail_on_last()")
    path = tmp_path / "mixed.csv"
    pd.DataFrame(MIXED).to_csv(path, index=False)
    with pytest.raises(psycopg.errors.RaiseException):
        import_assets(conn, path, source="mixed")
    assert one(conn, "SELECT count(*) FROM assets") == 0
    assert one(conn, "SELECT count(*) FROM asset_versions") == 0
    assert one(conn, "SELECT count(*) FROM capacity_offers") == 0


def test_in_background_hands_on_items_and_errors():
    assert list(in_background(iter(range(50)), ahead=3)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("row 2 is bad")
    got = []
    with pytest.raises(ValueError, match="row 2 is bad"):
        for item in in_background(failing()):
            got.append(item)
    assert got == [1]
    # A caller that stops early does not leave the producer blocked on a full queue.
    stream = in_background(iter(range(1000)), ahead=1)
    assert next(stream) == 0
    stream.close()
