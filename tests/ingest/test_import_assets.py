"""Importing assets from files: every format, every reject reason, idempotent re-import, dry runs, one transaction."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from assetmap.cli import main
from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.assets import load_assets
from assetmap.ingest.report import ImportReport

ROWS = [
    {"name": "Mill Lane Hall", "category": "community_centre", "postcode": "NW1 1HY", "lon": -0.13, "lat": 51.53,
     "source_ref": "h1"},
    {"name": "Kentish Town Library", "category": "library", "postcode": "", "lon": -0.14, "lat": 51.55,
     "source_ref": "h2"},
    {"name": "Gospel Oak Garden", "category": "allotment_garden", "postcode": "", "lon": -0.15, "lat": 51.555,
     "source_ref": "h3"},
]


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


def count(conn, query="SELECT count(*) FROM assets"):
    return conn.execute(query).fetchone()[0]


def frame(rows=ROWS):
    return pd.DataFrame(rows)


def write(tmp_path, fmt, rows=ROWS, crs=4326):
    df = frame(rows)
    if fmt == "csv":
        path = tmp_path / "assets.csv"
        df.to_csv(path, index=False, encoding="utf-8-sig")   # with a BOM, as Excel writes it
    elif fmt == "xlsx":
        path = tmp_path / "assets.xlsx"
        df.to_excel(path, index=False)
    else:
        gdf = gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=[Point(r["lon"], r["lat"]) for r in rows],
                               crs=4326).to_crs(crs)
        path = tmp_path / {"geojson": "assets.geojson", "gpkg": "assets.gpkg", "shp": "assets.shp"}[fmt]
        gdf.to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg", "shp"])
def test_every_format_imports(conn, tmp_path, fmt):
    report = import_assets(conn, write(tmp_path, fmt))
    assert (report.read, report.inserted, report.updated, report.rejected) == (3, 3, 0, [])
    lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM assets WHERE source_ref = 'h2'").fetchone()
    assert (round(lon, 6), round(lat, 6)) == (-0.14, 51.55)
    assert count(conn, "SELECT count(*) FROM assets WHERE status = 'published'") == 3


def test_british_national_grid_is_reprojected(conn, tmp_path):
    report = import_assets(conn, write(tmp_path, "gpkg", crs=27700))
    assert report.inserted == 3
    assert any("reprojected from EPSG:27700" in n for n in report.notes)
    lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM assets WHERE source_ref = 'h1'").fetchone()
    assert abs(lon + 0.13) < 1e-6 and abs(lat - 51.53) < 1e-6


def test_reimport_updates_in_place(conn, tmp_path):
    path = write(tmp_path, "csv")
    import_assets(conn, path)
    ids = conn.execute("SELECT id FROM assets ORDER BY id").fetchall()
    again = import_assets(conn, path)
    assert (again.inserted, again.updated, len(again.rejected)) == (0, 3, 0)
    assert conn.execute("SELECT id FROM assets ORDER BY id").fetchall() == ids
    assert count(conn, "SELECT count(*) FROM asset_versions") == 6
    audit = conn.execute("SELECT actor, after FROM audit_log WHERE entity = 'assets' ORDER BY id").fetchall()
    assert [a[0] for a in audit] == ["import:assets", "import:assets"]
    assert audit[1][1]["updated"] == 3


def test_rows_without_source_ref_get_a_stable_one(conn, tmp_path):
    rows = [{k: v for k, v in r.items() if k != "source_ref"} for r in ROWS]
    path = tmp_path / "a.csv"
    frame(rows).to_csv(path, index=False)
    import_assets(conn, path)
    frame(list(reversed(rows))).to_csv(path, index=False)   # another order: the same assets
    again = import_assets(conn, path)
    assert (again.inserted, again.updated) == (0, 3)
    assert count(conn) == 3


def test_reject_reasons(conn, tmp_path):
    rows = [
        {"name": "Fine", "category": "library", "lon": -0.1, "lat": 51.5, "postcode": ""},
        {"name": "", "category": "library", "lon": -0.1, "lat": 51.5, "postcode": ""},
        {"name": "Odd", "category": "spaceport", "lon": -0.1, "lat": 51.5, "postcode": ""},
        {"name": "Nowhere", "category": "library", "lon": None, "lat": None, "postcode": ""},
        {"name": "Unknown pc", "category": "library", "lon": None, "lat": None, "postcode": "ZZ9 9ZZ"},
        {"name": "Bad pc", "category": "library", "lon": -0.1, "lat": 51.5, "postcode": "not a postcode"},
        {"name": "Far", "category": "library", "lon": 500, "lat": 51.5, "postcode": ""},
        {"name": "Bad mail", "category": "library", "lon": -0.1, "lat": 51.5, "postcode": "",
         "contact_email": "nope"},
    ]
    path = tmp_path / "bad.csv"
    frame(rows).to_csv(path, index=False)
    report = import_assets(conn, path)
    assert (report.read, report.inserted) == (8, 1)
    reasons = {r.row_number: r.reason for r in report.rejected}
    assert "name: give the place or group a name" in reasons[2]
    assert "unknown category 'spaceport'" in reasons[3]
    assert reasons[4] == "no location: give lon and lat, a postcode or an address"
    assert reasons[5] == "could not geocode postcode ZZ9 9ZZ"
    assert "postcode: is not a UK postcode" in reasons[6]
    assert "outside the world" in reasons[7]
    assert "contact_email" in reasons[8]
    out = report.write_rejects(tmp_path / "bad.rejects.csv")
    assert len(pd.read_csv(out)) == 7


def test_duplicate_source_ref_in_file_is_rejected(conn, tmp_path):
    rows = ROWS + [dict(ROWS[0], name="Copy")]
    path = tmp_path / "d.csv"
    frame(rows).to_csv(path, index=False)
    report = import_assets(conn, path)
    assert report.inserted == 3
    assert report.rejected[0].reason == "source_ref 'h1' repeats row 1"


def test_postcodes_are_geocoded_from_the_gazetteer(conn, tmp_path):
    conn.execute("INSERT INTO gazetteer (kind, name, normalised, geom, source) VALUES "
                 "('postcode', 'NW1 1HY', 'NW1 1HY', ST_SetSRID(ST_MakePoint(-0.131, 51.531), 4326), 'test')")
    path = tmp_path / "g.csv"
    frame([{"name": "Surgery", "category": "health_wellbeing", "postcode": "nw11hy"}]).to_csv(path, index=False)
    report = import_assets(conn, path)
    assert report.inserted == 1, report.rejected
    assert conn.execute("SELECT ST_X(geom), postcode FROM assets").fetchone() == (-0.131, "NW1 1HY")


def test_mapping_columns_categories_defaults(conn, tmp_path):
    path = tmp_path / "m.csv"
    pd.DataFrame([{"Site name": "Village Hall", "Type": "Village hall", "X": -0.1, "Y": 51.5},
                  {"Site name": "Something", "Type": "", "X": -0.1, "Y": 51.51},
                  {"Site name": "Space", "Type": "Rocket", "X": -0.1, "Y": 51.52}]).to_csv(path, index=False)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"Site name": "name", "Type": "category", "X": "lon", "Y": "lat"},
                                   "categories": {"Village hall": "community_centre"},
                                   "defaults": {"category": "other"}}))
    report = import_assets(conn, path, mapping=mapping, pending=True)
    assert report.inserted == 2
    assert report.rejected[0].row_number == 3 and "unknown category 'Rocket'" in report.rejected[0].reason
    assert conn.execute("SELECT array_agg(category ORDER BY name) FROM assets").fetchone()[0] == \
        ["other", "community_centre"]
    assert count(conn, "SELECT count(*) FROM assets WHERE status = 'pending'") == 2


def test_toml_mapping(conn, tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame([{"Title": "Hall", "latitude": 51.5, "longitude": -0.1}]).to_csv(path, index=False)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nTitle = "name"\n[defaults]\ncategory = "community_centre"\n')
    assert import_assets(conn, path, mapping=mapping).inserted == 1


def test_capacity_columns_and_offers_file(conn, tmp_path):
    rows = [dict(ROWS[0], **{"capacity.0.kind": "space", "capacity.0.quantity": 3, "capacity.0.unit":
                             "hours_per_week", "capacity.0.schedule": "Tu 18:00-21:00"}),
            dict(ROWS[1], **{"capacity.0.kind": "space", "capacity.0.schedule": "every other blue moon"})]
    path = tmp_path / "c.csv"
    frame(rows).to_csv(path, index=False)
    offers = tmp_path / "offers.csv"
    pd.DataFrame([{"source_ref": "h1", "kind": "volunteer_time", "quantity": 10, "unit": "hours_per_week"},
                  {"source_ref": "nope", "kind": "space"}]).to_csv(offers, index=False)
    report = import_assets(conn, path, offers_path=offers)
    assert report.inserted == 2 and not report.rejected   # the bad offer is dropped, its place kept
    assert any(n.startswith("dropped: row 2 (Kentish Town Library), offer 1 (space): schedule:")
               for n in report.notes), report.notes
    assert any("1 offers in offers.csv name no asset" in n for n in report.notes)
    assert conn.execute("SELECT array_agg(kind ORDER BY kind) FROM capacity_offers").fetchone()[0] == \
        ["space", "volunteer_time"]
    import_assets(conn, path, offers_path=offers)   # offers are replaced, not added to
    assert count(conn, "SELECT count(*) FROM capacity_offers") == 2


def test_dry_run_writes_nothing(conn, tmp_path):
    report = import_assets(conn, write(tmp_path, "csv"), dry_run=True)
    assert report.inserted == 3 and "dry run" in report.summary()
    assert count(conn) == 0
    assert count(conn, "SELECT count(*) FROM audit_log") == 0


def test_failure_late_in_the_import_leaves_nothing(conn, tmp_path):
    conn.execute("""CREATE FUNCTION fail_late() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'late failure'; END $$""")
    conn.execute("CREATE TRIGGER fail_late AFTER INSERT ON asset_versions FOR EACH STATEMENT "
                 "EXECUTE FUNCTION fail_late()")
    with pytest.raises(psycopg.errors.RaiseException):
        import_assets(conn, write(tmp_path, "csv"))
    assert count(conn) == 0
    assert count(conn, "SELECT count(*) FROM capacity_offers") == 0


def test_archived_assets_stay_archived_on_reimport(conn, tmp_path):
    path = write(tmp_path, "csv")
    import_assets(conn, path)
    conn.execute("UPDATE assets SET status = 'archived' WHERE source_ref = 'h1'")
    import_assets(conn, path)
    assert conn.execute("SELECT status FROM assets WHERE source_ref = 'h1'").fetchone()[0] == "archived"


def test_load_assets_core_with_progress(conn):
    seen = []
    report = ImportReport(kind="assets", source="osm")
    rows = [(i + 1, {"name": f"Place {i}", "category": "other", "lon": -0.1, "lat": 51.5 + i * 1e-4,
                     "source_ref": f"node/{i}"}) for i in range(2500)]
    load_assets(conn, rows, source="osm", report=report, progress=seen.append)
    assert report.inserted == 2500 and sum(seen) == 2500
    assert count(conn, "SELECT count(*) FROM audit_log WHERE actor = 'import:osm'") == 1


def test_cli_assets(fresh_db_url, tmp_path, monkeypatch):
    from assetmap.cli import main
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    path = tmp_path / "x.csv"
    frame(ROWS + [{"name": "", "category": "library", "lon": 1, "lat": 51}]).to_csv(path, index=False)
    result = CliRunner().invoke(main, ["import", "assets", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "read 4, would insert 3" in result.output
    assert "x.rejects.csv" in result.output
    result = CliRunner().invoke(main, ["import", "assets", str(path), "--source", "x",
                                       "--rejects", str(tmp_path / "r.csv")])
    assert "inserted 3" in result.output and (tmp_path / "r.csv").exists()


@pytest.mark.realdata
@pytest.mark.parametrize("name,columns,category", [
    ("camden_libraries.geojson", {"uprn": "source_ref", "address1": "address", "email": "contact_email"}, "library"),
    ("camden_gp_practices.geojson", {"ods_code": "source_ref", "address1": "address", "phone": "contact_phone"},
     "health_wellbeing"),
])
def test_camden_points(conn, realdata, name, columns, category):
    mapping = {"columns": columns, "defaults": {"category": category}}
    report = import_assets(conn, realdata / name, mapping=mapping)
    assert report.read == len(gpd.read_file(realdata / name))
    assert report.inserted + len(report.rejected) == report.read
    assert all(r.reason for r in report.rejected)
    assert count(conn, f"SELECT count(*) FROM assets WHERE category = '{category}'") == report.inserted
    assert report.inserted >= report.read - 2, [r.reason for r in report.rejected]
    again = import_assets(conn, realdata / name, mapping=mapping)
    assert (again.inserted, again.updated) == (0, report.inserted)


def test_versions_match_asset_snapshot(conn, tmp_path):
    rows = [dict(ROWS[0], **{"capacity.0.kind": "space", "capacity.0.schedule": "Tu 18:00-21:00",
                             "contact_email": "a@example.org", "private_home": "yes"}), ROWS[1]]
    path = tmp_path / "v.csv"
    frame(rows).to_csv(path, index=False)
    import_assets(conn, path)
    import_assets(conn, path)
    mismatched = conn.execute("SELECT count(*) FROM asset_versions v JOIN assets a ON a.id = v.asset_id "
                              "WHERE v.version = a.version AND v.snapshot <> asset_snapshot(a.id)").fetchone()[0]
    assert mismatched == 0
    assert count(conn, "SELECT count(*) FROM asset_versions") == 4


def test_rows_outside_every_neighbourhood_are_counted_even_in_a_dry_run(conn, fresh_db_url, tmp_path):
    conn.execute("INSERT INTO neighbourhoods (code, name, geom) "
                 "VALUES ('a', 'A', ST_Multi(ST_MakeEnvelope(-0.145, 51.52, -0.125, 51.54, 4326)))")
    path = write(tmp_path, "csv")          # one row inside A, two outside
    dry = import_assets(conn, path, dry_run=True)
    assert dry.outside == 2 and "2 lie outside every neighbourhood" in dry.summary()
    assert count(conn) == 0
    report = import_assets(conn, path)
    assert report.outside == 2 and report.inserted == 3
    result = CliRunner().invoke(main, ["import", "assets", str(path), "--dry-run"],
                                env={"DATABASE_URL": fresh_db_url})
    assert "2 lie outside every neighbourhood" in result.output
