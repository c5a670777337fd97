"""Schedules in words: written by the importer and the demo loader, and carried by the exports meant for people."""

from __future__ import annotations

import csv
import json

import psycopg
import pyogrio
import pytest

from assetmap import schedules
from assetmap.ingest import export as ex
from assetmap.ingest.assets import load_assets
from assetmap.ingest.report import ImportReport


@pytest.fixture(scope="module")
def conn(demo_db_url):
    with psycopg.connect(demo_db_url, autocommit=True) as c:
        yield c


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_demo_town_is_loaded_with_the_words_of_every_schedule(conn):
    rows = conn.execute("SELECT DISTINCT schedule, schedule_text FROM capacity_offers").fetchall()
    assert len(rows) > 10
    for schedule, words in rows:
        assert words == schedules.words(schedule)


def test_the_importer_stores_the_words_beside_the_schedule(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as db:
        rows = [(1, {"name": "Mill Lane Hall", "category": "community_centre", "lon": -0.13, "lat": 51.53,
                     "source_ref": "h1", "capacity": [{"kind": "space", "schedule": "Sa 10:00-13:00,14:00-17:00"},
                                                      {"kind": "equipment"}]})]
        load_assets(db, rows, source="test", report=ImportReport(kind="assets", source="test"))
        assert db.execute("SELECT schedule, schedule_text FROM capacity_offers ORDER BY id").fetchall() == [
            ("Sa 10:00-13:00,14:00-17:00", "Saturdays, 10am to 1pm and 2pm to 5pm"), (None, None)]


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
def test_the_capacity_csv_has_the_words_beside_the_schedule(conn, tmp_path, internal):
    path = tmp_path / "capacity.csv"
    ex.export(conn, "capacity", "csv", path, internal=internal)
    rows = read_csv(path)
    header = list(rows[0])
    assert header.index("schedule_text") == header.index("schedule") + 1
    assert any(r["schedule"] for r in rows)
    for r in rows:
        assert r["schedule_text"] == (schedules.in_words(r["schedule"]) if r["schedule"] else "")


def test_the_geojson_and_geopackage_carry_the_words(conn, tmp_path):
    ex.export(conn, "assets", "geojson", tmp_path / "assets.geojson")
    features = json.loads((tmp_path / "assets.geojson").read_text(encoding="utf-8"))["features"]
    offers = [o for f in features for o in f["properties"]["capacity"] if o["schedule"]]
    assert offers and all(o["schedule_text"] == schedules.in_words(o["schedule"]) for o in offers)

    ex.export(conn, "assets", "gpkg", tmp_path / "assets.gpkg")
    table = pyogrio.read_dataframe(tmp_path / "assets.gpkg", layer="capacity")
    timed = table[table["schedule"].notna()]
    assert len(timed) and (timed["schedule_text"] == timed["schedule"].map(schedules.in_words)).all()
