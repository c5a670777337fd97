"""OpenStreetMap import: Overpass JSON, OSM XML and GeoJSON to asset rows via data/osm_categories.csv, then PostGIS."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.ingest.osm import category_for, category_table, import_osm, read_osm
from assetmap.vocab import read_file

HALL = {"amenity": "community_centre", "name": "St Pancras Community Centre", "description": "Rooms to hire",
        "addr:housenumber": "30", "addr:street": "Camden Street", "addr:postcode": "nw1 0lg", "wheelchair": "limited",
        "operator": "St Pancras Community Association"}


def overpass(*elements) -> dict:
    return {"version": 0.6, "elements": list(elements)}


def write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("tags, category", [
    ({"amenity": "community_centre"}, "community_centre"),
    ({"amenity": "community_centre", "community_centre": "youth_centre"}, "youth_club"),
    ({"amenity": "library"}, "library"),
    ({"leisure": "park"}, "park_green_space"),
    ({"amenity": "place_of_worship", "religion": "christian"}, "faith_building"),
    ({"leisure": "sports_centre"}, "sports_leisure"),
    ({"amenity": "social_facility", "social_facility": "food_bank"}, "food_support"),
    ({"amenity": "social_facility", "social_facility": "outreach"}, "advice_support"),
    ({"amenity": "arts_centre"}, "arts_culture"),
    ({"leisure": "garden", "garden:type": "community"}, "allotment_garden"),
    ({"leisure": "garden"}, "park_green_space"),
    ({"landuse": "allotments"}, "allotment_garden"),
    ({"amenity": "townhall"}, "other"),
    ({"religion_class": "muslim"}, "faith_building"),          # Geofabrik layers: any value
    ({"amenity": "bench"}, None),
    ({"shop": "bakery"}, None),
])
def test_category_table(tags, category):
    assert category_for(tags, category_table()) == category


def test_category_table_uses_only_our_categories():
    codes = {r["code"] for r in read_file("categories")}
    assert {c for _, _, c in category_table()} <= codes


def test_overpass_node_maps_every_field(tmp_path):
    path = write(tmp_path, "camden.json", overpass({"type": "node", "id": 123, "lat": 51.537, "lon": -0.139,
                                                    "tags": HALL}))
    rows, report = read_osm(path)
    assert report.source == "camden.json" and report.read == 1 and not report.rejected
    assert rows == [(1, {"source_ref": "node/123", "name": "St Pancras Community Centre",
                         "category": "community_centre", "description": "Rooms to hire",
                         "address": "30 Camden Street", "postcode": "NW1 0LG",
                         "accessibility": "Partly wheelchair accessible",
                         "organisation": "St Pancras Community Association", "lon": -0.139, "lat": 51.537})]


@pytest.mark.parametrize("value, words", [("yes", "Wheelchair accessible"), ("limited", "Partly wheelchair accessible"),
                                          ("no", "Not wheelchair accessible"), ("unknown", "")])
def test_wheelchair_words(tmp_path, value, words):
    tags = {"amenity": "library", "name": "L", "wheelchair": value}
    rows, _ = read_osm(write(tmp_path, "w.json", overpass({"type": "node", "id": 1, "lat": 51, "lon": 0,
                                                          "tags": tags})))
    assert rows[0][1]["accessibility"] == words


def test_overpass_ways_and_relations_take_their_centre(tmp_path):
    data = overpass(
        {"type": "way", "id": 1, "center": {"lat": 51.5, "lon": -0.1}, "tags": {"leisure": "park", "name": "P"}},
        {"type": "way", "id": 2, "geometry": [{"lat": 51.0, "lon": 0.0}, {"lat": 51.0, "lon": 1.0},
                                              {"lat": 52.0, "lon": 1.0}, {"lat": 52.0, "lon": 0.0},
                                              {"lat": 51.0, "lon": 0.0}],
         "tags": {"amenity": "library", "name": "L"}},
        {"type": "node", "id": 10, "lat": 50.0, "lon": 2.0}, {"type": "node", "id": 11, "lat": 50.0, "lon": 4.0},
        {"type": "way", "id": 3, "nodes": [10, 11], "tags": {"amenity": "arts_centre", "name": "A"}},
        {"type": "relation", "id": 4, "center": {"lat": 51.2, "lon": -0.2},
         "tags": {"leisure": "nature_reserve", "name": "R"}},
        {"type": "relation", "id": 5, "tags": {"leisure": "park", "name": "Far"}})
    rows, report = read_osm(write(tmp_path, "o.json", data))
    got = {f["source_ref"]: (round(f["lon"], 6), round(f["lat"], 6)) for _, f in rows}
    assert got == {"way/1": (-0.1, 51.5), "way/2": (0.5, 51.5), "way/3": (3.0, 50.0), "relation/4": (-0.2, 51.2)}
    assert report.read == 5   # untagged nodes are geometry, not features
    assert [r.reason for r in report.rejected] == [
        "relation/5 has no position (export ways and relations with `out center`)"]


def test_rejects_say_why(tmp_path):
    data = overpass(
        {"type": "node", "id": 1, "lat": 51, "lon": 0, "tags": {"amenity": "library"}},
        {"type": "node", "id": 2, "lat": 51, "lon": 0, "tags": {"amenity": "bench", "name": "Bench"}},
        {"type": "node", "id": 3, "lat": 51, "lon": 0, "tags": {"highway": "bus_stop", "name": "Stop"}},
        {"type": "node", "id": 4, "lat": 123.4, "lon": 567.8, "tags": {"amenity": "library", "name": "Far"}},
        {"type": "node", "id": 5, "lat": 51, "lon": 0, "tags": {"leisure": "garden", "name": "G", "access": "private"}},
        {"type": "node", "id": 6, "lat": 51, "lon": 0, "tags": {"shop": "bakery"}})
    rows, report = read_osm(write(tmp_path, "r.json", data))
    assert rows == []
    assert [(r.row_number, r.reason) for r in report.rejected] == [
        (1, "node/1 has no name"),
        (2, "node/2: no category for its tags (amenity=bench)"),
        (3, "node/3: no category for its tags (no amenity/leisure/landuse tag)"),
        (4, "node/4 has impossible coordinates (lat 123.4, long 567.8)"),
        (5, "node/5 is not open to the public (access=private)"),
        (6, "node/6 has no name; node/6: no category for its tags (shop=bakery)"),
    ]
    assert report.rejected[0].row["source_ref"] == "node/1" and report.rejected[1].row["tags"]["amenity"] == "bench"


def test_foreign_postcode_is_dropped_with_a_note(tmp_path):
    tags = {"amenity": "library", "name": "L", "addr:postcode": "75001"}
    rows, report = read_osm(write(tmp_path, "p.json", overpass({"type": "node", "id": 1, "lat": 51, "lon": 0,
                                                               "tags": tags})))
    assert rows[0][1]["postcode"] is None and any("'75001'" in n for n in report.notes)


OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="51.0" lon="0.0"/>
  <node id="2" lat="51.0" lon="2.0"/>
  <node id="3" lat="53.0" lon="2.0"/>
  <node id="4" lat="53.0" lon="0.0"/>
  <node id="9" lat="51.55" lon="-0.14">
    <tag k="amenity" v="library"/><tag k="name" v="Kentish Town Library"/><tag k="wheelchair" v="yes"/>
  </node>
  <way id="20">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="landuse" v="allotments"/><tag k="name" v="Branch Hill Allotments"/>
  </way>
  <way id="21"><center lat="51.3" lon="-0.3"/><tag k="leisure" v="park"/><tag k="name" v="Centred"/></way>
  <way id="22"><nd ref="404"/><tag k="leisure" v="park"/><tag k="name" v="Lost"/></way>
  <relation id="30"><tag k="amenity" v="bench"/></relation>
</osm>
"""


def test_osm_xml(tmp_path):
    rows, report = read_osm(write(tmp_path, "extract.osm", OSM_XML))
    got = {f["source_ref"]: (f["name"], f["category"], round(f["lon"], 6), round(f["lat"], 6), f["accessibility"])
           for _, f in rows}
    assert got == {
        "node/9": ("Kentish Town Library", "library", -0.14, 51.55, "Wheelchair accessible"),
        "way/20": ("Branch Hill Allotments", "allotment_garden", 1.0, 52.0, ""),   # centroid of its nodes
        "way/21": ("Centred", "park_green_space", -0.3, 51.3, ""),
    }
    assert report.read == 5
    assert [r.reason for r in report.rejected] == [
        "way/22 has no position (export ways and relations with `out center`)",
        "relation/30 has no name; relation/30: no category for its tags (amenity=bench); "
        "relation/30 has no position (export ways and relations with `out center`)"]


def test_geojson_from_osmtogeojson(tmp_path):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "way/7", "properties": {"amenity": "community_centre", "name": "Hall",
                                                          "@id": "way/7"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 51], [2, 51], [2, 53], [0, 53], [0, 51]]]}},
        {"type": "Feature", "properties": {"id": "node/8", "tags": {"amenity": "library", "name": "Lib"}},
         "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]}}]}
    rows, report = read_osm(write(tmp_path, "export.geojson", data))
    got = {f["source_ref"]: (f["category"], f["lon"], f["lat"]) for _, f in rows}
    assert got == {"way/7": ("community_centre", 1.0, 52.0), "node/8": ("library", -0.1, 51.5)}


def test_unreadable_file_says_so(tmp_path):
    with pytest.raises(ValueError, match="neither Overpass JSON, OSM XML nor GeoJSON"):
        read_osm(write(tmp_path, "x.json", {"hello": 1}))


# -- real OSM-derived files (Geofabrik layers as GeoJSON) ----------------------------------------------------------

def test_real_places_of_worship(realdata):
    rows, report = read_osm(realdata / "camden_places_of_worship_osm.geojson")
    assert report.read == 116 and len(rows) == 111
    assert {f["category"] for _, f in rows} == {"faith_building"}
    assert [r.reason.endswith("has no name") for r in report.rejected] == [True] * 5
    refs = [f["source_ref"] for _, f in rows]
    assert len(set(refs)) == len(refs) and refs[0] == "node/294745606"
    assert all(-0.22 < f["lon"] < -0.10 and 51.51 < f["lat"] < 51.58 for _, f in rows)


def test_real_place_names_are_not_assets(realdata):
    rows, report = read_osm(realdata / "camden_place_names_osm.geojson")
    assert rows == [] and len(report.rejected) == 19
    assert "no category for its tags (fclass=suburb)" in report.rejected[0].reason


# -- into the database ---------------------------------------------------------------------------------------------

def demo_extract(url: str, folder: Path) -> Path:
    with psycopg.connect(url) as conn:
        lon, lat = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                                "FROM neighbourhoods ORDER BY id LIMIT 1) q").fetchone()
    return write(folder, "town.json", overpass(
        {"type": "node", "id": 1, "lat": lat, "lon": lon, "tags": HALL},
        {"type": "way", "id": 2, "center": {"lat": lat + 0.001, "lon": lon},
         "tags": {"leisure": "park", "name": "Town Park", "wheelchair": "yes"}},
        {"type": "node", "id": 3, "lat": lat, "lon": lon, "tags": {"amenity": "bench"}}))


def osm_assets(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "SELECT source_ref, name, category, status, postcode, accessibility, neighbourhood_id IS NOT NULL "
            "FROM assets WHERE source = 'osm'")}


def test_import_into_the_demo_town_is_idempotent(fresh_demo_db_url, tmp_path):
    path = demo_extract(fresh_demo_db_url, tmp_path)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        report = import_osm(conn, path, dry_run=True)
        assert (report.read, report.inserted, len(report.rejected)) == (3, 2, 1)
        assert osm_assets(fresh_demo_db_url) == {}

        report = import_osm(conn, path)
        assert (report.read, report.inserted, report.updated, len(report.rejected)) == (3, 2, 0, 1)
        assert osm_assets(fresh_demo_db_url) == {
            "node/1": ("St Pancras Community Centre", "community_centre", "published", "NW1 0LG",
                       "Partly wheelchair accessible", True),
            "way/2": ("Town Park", "park_green_space", "published", None, "Wheelchair accessible", True)}

        again = import_osm(conn, path)
        assert (again.read, again.inserted, again.updated) == (3, 0, 2)
        assert len(osm_assets(fresh_demo_db_url)) == 2


def test_command(fresh_demo_db_url, tmp_path):
    path = demo_extract(fresh_demo_db_url, tmp_path)
    result = CliRunner().invoke(main, ["import", "osm", str(path)], env={"DATABASE_URL": fresh_demo_db_url})
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "read 3, inserted 2" in result.output and "rejected 1" in result.output
    rejects = tmp_path / "town.rejects.csv"
    assert str(rejects) in result.output and "amenity=bench" in rejects.read_text()
    bad = write(tmp_path, "bad.json", "{not json")
    result = CliRunner().invoke(main, ["import", "osm", str(bad)], env={"DATABASE_URL": fresh_demo_db_url})
    assert result.exit_code == 1 and "bad.json" in result.output
