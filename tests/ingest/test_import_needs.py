"""Importing capacity needs: every way of giving the place, the file formats, rejects, re-import, dry runs, the CLI."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from assetmap.ingest.needs import import_needs, load_needs
from assetmap.ingest.report import ImportReport

ROW = {"source_ref": "n1", "title": "Volunteers for the food bank", "kind": "volunteer_time", "quantity": 6,
       "unit": "hours_per_week", "schedule": "Sa 10:00-13:00", "audience": "Families",
       "organisation": "Kentish Town Food Bank", "description": "Sorting and packing", "lon": -0.15, "lat": 51.53}
HALL = {"source_ref": "n2", "title": "A hall for a youth club", "kind": "space", "quantity": 30, "unit": "places",
        "schedule": "Tu,Th 18:00-21:00", "organisation": "Gospel Oak Youth", "lon": -0.05, "lat": 51.55}


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                  "('A', 'A', ST_Multi(ST_MakeEnvelope(-0.2, 51.5, -0.1, 51.6, 4326))), "
                  "('B', 'B', ST_Multi(ST_MakeEnvelope(-0.1, 51.5, 0.0, 51.6, 4326)))")
        yield c


def one(conn, query, params=None):
    return conn.execute(query, params).fetchone()[0]


def write(tmp_path, rows, name="needs.csv"):
    path = tmp_path / name
    df = pd.DataFrame(rows)
    if name.endswith(".csv"):
        df.to_csv(path, index=False)
    elif name.endswith(".xlsx"):
        df.to_excel(path, index=False)
    else:
        gdf = gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=[Point(r["lon"], r["lat"]) for r in rows],
                               crs=4326)
        gdf.to_file(path, engine="pyogrio")
    return path


def stored(conn, ref):
    return conn.execute("""
        SELECT n.title, n.kind, n.quantity, n.unit, n.schedule, n.audience, n.status, o.name, h.code,
               round(ST_X(n.geom)::numeric, 6)::float8, round(ST_Y(n.geom)::numeric, 6)::float8
          FROM capacity_needs n
          LEFT JOIN organisations o ON o.id = n.organisation_id
          LEFT JOIN neighbourhoods h ON h.id = n.neighbourhood_id
         WHERE n.source_ref = %s""", (ref,)).fetchone()


def test_csv_with_lat_lon(conn, tmp_path):
    aliased = {k: v for k, v in HALL.items() if k not in ("lon", "lat")} | {"longitude": -0.05, "latitude": 51.55}
    report = import_needs(conn, write(tmp_path, [ROW, aliased]))
    assert (report.read, report.inserted, report.updated, report.rejected) == (2, 2, 0, [])
    assert stored(conn, "n1") == ("Volunteers for the food bank", "volunteer_time", 6, "hours_per_week",
                                  "Sa 10:00-13:00", "Families", "open", "Kentish Town Food Bank", "A", -0.15, 51.53)
    assert stored(conn, "n2")[8:] == ("B", -0.05, 51.55)
    assert one(conn, "SELECT array_agg(DISTINCT source) FROM capacity_needs") == ["needs"]
    assert one(conn, "SELECT count(*) FROM organisations WHERE source = 'needs'") == 2
    assert one(conn, "SELECT after->>'inserted' FROM audit_log WHERE actor = 'import:needs' "
                     "AND entity = 'capacity_needs' AND action = 'import'") == "2"


def test_postcode_geocoded_from_the_gazetteer(conn, tmp_path):
    conn.execute("INSERT INTO gazetteer (kind, name, normalised, geom, source) VALUES "
                 "('postcode', 'NW1 1HY', 'NW1 1HY', ST_SetSRID(ST_MakePoint(-0.131, 51.531), 4326), 'test')")
    row = {k: v for k, v in ROW.items() if k not in ("lon", "lat")} | {"postcode": "nw11hy"}
    report = import_needs(conn, write(tmp_path, [row]))
    assert report.inserted == 1, report.rejected
    assert stored(conn, "n1")[8:] == ("A", -0.131, 51.531)
    assert "1 located by geocoding their postcode" in report.notes


def test_neighbourhood_code(conn, tmp_path):
    place = {k: v for k, v in ROW.items() if k not in ("lon", "lat")}
    rows = [place | {"source_ref": "code", "neighbourhood_code": "B"},
            ROW | {"source_ref": "point-wins", "neighbourhood_code": "B"},                # the point lies in A
            ROW | {"source_ref": "outside", "lon": 1.0, "neighbourhood_code": "B"},     # in no neighbourhood
            place | {"source_ref": "unknown-pc", "postcode": "ZZ9 9ZZ", "neighbourhood_code": "A"}]
    report = import_needs(conn, write(tmp_path, rows))
    assert report.inserted == 4, report.rejected
    assert stored(conn, "code")[8:] == ("B", None, None)
    assert stored(conn, "point-wins")[8] == "A"
    assert stored(conn, "outside")[8:] == ("B", 1.0, 51.53)
    assert stored(conn, "unknown-pc")[8:] == ("A", None, None)
    assert report.outside == 0
    assert any("1 placed by neighbourhood_code alone" in n for n in report.notes)


@pytest.mark.parametrize("name", ["needs.xlsx", "needs.geojson"])
def test_xlsx_and_geojson_points(conn, tmp_path, name):
    report = import_needs(conn, write(tmp_path, [ROW, HALL], name))
    assert (report.read, report.inserted, report.rejected) == (2, 2, [])
    assert stored(conn, "n1") == ("Volunteers for the food bank", "volunteer_time", 6, "hours_per_week",
                                  "Sa 10:00-13:00", "Families", "open", "Kentish Town Food Bank", "A", -0.15, 51.53)
    assert stored(conn, "n2")[8:] == ("B", -0.05, 51.55)


def test_reject_reasons_and_the_good_rows_land(conn, tmp_path):
    rows = [ROW,
            ROW | {"source_ref": "a", "kind": "spaceship"},
            ROW | {"source_ref": "b", "schedule": "whenever"},
            ROW | {"source_ref": "c", "unit": None},
            ROW | {"source_ref": "d", "lon": None, "lat": None},
            ROW | {"source_ref": "e", "lon": None, "lat": None, "neighbourhood_code": "ZZ"},
            ROW | {"source_ref": "f", "quantity": 500},
            ROW | {"source_ref": "g", "status": "maybe"},
            ROW | {"source_ref": "h", "title": None},
            ROW | {"source_ref": "i", "lon": None, "lat": None, "postcode": "ZZ9 9ZZ"},
            ROW | {"source_ref": "j", "lon": 500},
            ROW | {"title": "Another title"},
            HALL | {"status": "met"}]
    report = import_needs(conn, write(tmp_path, rows))
    reasons = {r.row_number: r.reason for r in report.rejected}
    assert (report.read, report.inserted) == (13, 2)
    assert reasons[2] == "kind: unknown kind 'spaceship'"
    assert reasons[3].startswith("schedule: “whenever” is not a day or a time")
    assert reasons[4].startswith("unit: say what the quantity counts")
    assert reasons[5] == "location: give lat and lon, a postcode or a neighbourhood_code"
    assert reasons[6] == "neighbourhood_code: unknown neighbourhood 'ZZ'"
    assert reasons[7] == "quantity: must be more than 0 and at most 168"
    assert reasons[8] == "status: must be one of open, met, closed"
    assert reasons[9] == "title: missing"
    assert reasons[10] == "location: could not geocode postcode ZZ9 9ZZ"
    assert reasons[11] == "location: the coordinates are outside the world"
    assert reasons[12] == "source_ref 'n1' repeats row 1"
    assert set(reasons) == set(range(2, 13))
    assert one(conn, "SELECT array_agg(source_ref || ':' || status ORDER BY source_ref) FROM capacity_needs") == \
        ["n1:open", "n2:met"]
    out = report.write_rejects(tmp_path / "needs.rejects.csv")
    assert len(pd.read_csv(out)) == 11


def test_dry_run_writes_nothing(conn, tmp_path):
    report = import_needs(conn, write(tmp_path, [ROW, HALL | {"lon": 1.0}]), dry_run=True)
    assert (report.inserted, report.outside) == (2, 1)
    assert "dry run" in report.summary() and "1 lies outside every neighbourhood" in report.summary()
    for table in ("capacity_needs", "organisations", "schedule_weeks", "audit_log"):
        assert one(conn, f"SELECT count(*) FROM {table}") == 0, table


def test_reimport_is_idempotent_and_updates(conn, tmp_path):
    path = write(tmp_path, [ROW, HALL])
    first = import_needs(conn, path)
    ids = conn.execute("SELECT id, source_ref FROM capacity_needs ORDER BY id").fetchall()
    again = import_needs(conn, path)
    assert (first.inserted, first.updated, again.inserted, again.updated) == (2, 0, 0, 2)
    write(tmp_path, [ROW | {"title": "Drivers for the food bank", "organisation": "kentish town  FOOD bank"}, HALL])
    changed = import_needs(conn, path)
    assert (changed.inserted, changed.updated, len(changed.rejected)) == (0, 2, 0)
    assert conn.execute("SELECT id, source_ref FROM capacity_needs ORDER BY id").fetchall() == ids
    assert stored(conn, "n1")[0] == "Drivers for the food bank"
    assert one(conn, "SELECT count(*) FROM organisations") == 2   # matched by name, ignoring case and spacing
    assert import_needs(conn, path, source="other").inserted == 2   # another source is another data set
    assert one(conn, "SELECT count(*) FROM capacity_needs") == 4


def test_rows_without_source_ref_get_a_stable_one(conn, tmp_path):
    rows = [{k: v for k, v in r.items() if k != "source_ref"} for r in (ROW, HALL)]
    path = write(tmp_path, rows)
    import_needs(conn, path)
    write(tmp_path, list(reversed(rows)))   # another order: the same needs
    again = import_needs(conn, path)
    assert (again.inserted, again.updated) == (0, 2)
    assert one(conn, "SELECT count(*) FROM capacity_needs WHERE source_ref LIKE 'h:%%'") == 2


def test_existing_organisation_is_reused(conn, tmp_path):
    org = one(conn, "INSERT INTO organisations (name, kind) VALUES (' Kentish  Town Food Bank', 'charity') "
                    "RETURNING id")
    import_needs(conn, write(tmp_path, [ROW | {"organisation": "KENTISH TOWN FOOD BANK"}]))
    assert one(conn, "SELECT organisation_id FROM capacity_needs") == org
    assert one(conn, "SELECT count(*) FROM organisations") == 1


def test_schedule_weeks_are_remembered(conn, tmp_path):
    import_needs(conn, write(tmp_path, [ROW, HALL, HALL | {"source_ref": "n3", "schedule": None,
                                                          "quantity": None, "unit": None}]))
    weeks = dict(conn.execute("SELECT schedule, hours FROM schedule_weeks").fetchall())
    assert weeks == {"Sa 10:00-13:00": 3.0, "Tu,Th 18:00-21:00": 6.0}
    assert one(conn, "SELECT count(*) FROM capacity_needs n LEFT JOIN schedule_weeks w USING (schedule) "
                     "WHERE n.schedule IS NOT NULL AND w.schedule IS NULL") == 0


def test_failure_late_in_the_import_leaves_nothing(conn, tmp_path):
    conn.execute("""CREATE FUNCTION fail_late() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'late failure'; END $$""")
    conn.execute("CREATE TRIGGER fail_late AFTER INSERT ON schedule_weeks FOR EACH STATEMENT "
                 "EXECUTE FUNCTION fail_late()")
    with pytest.raises(psycopg.errors.RaiseException):
        import_needs(conn, write(tmp_path, [ROW, HALL]))
    assert one(conn, "SELECT count(*) FROM capacity_needs") == 0
    assert one(conn, "SELECT count(*) FROM organisations") == 0


def test_load_needs_core_with_progress(conn):
    seen = []
    report = ImportReport(kind="needs", source="feed")
    rows = [(i + 1, {"source_ref": f"need/{i}", "title": f"Need {i}", "kind": "space", "neighbourhood_code": "A"})
            for i in range(2500)]
    load_needs(conn, rows, source="feed", report=report, progress=seen.append)
    assert report.inserted == 2500 and sum(seen) == 2500
    assert one(conn, "SELECT count(*) FROM capacity_needs WHERE geom IS NULL AND status = 'open'") == 2500


def test_cli_needs(conn, fresh_db_url, tmp_path, monkeypatch):
    from assetmap.cli import main
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    path = write(tmp_path, [ROW, HALL, ROW | {"source_ref": "x", "kind": "spaceship"}, HALL | {"colour": "red"}])
    result = CliRunner().invoke(main, ["import", "needs", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "needs needs.csv: read 4, would insert 2" in result.output
    assert one(conn, "SELECT count(*) FROM capacity_needs") == 0
    result = CliRunner().invoke(main, ["import", "needs", str(path), "--source", "survey"])
    assert result.exit_code == 0, result.output
    assert "read 4, inserted 2, updated 0, rejected 2" in result.output
    assert "note: columns not imported: colour" in result.output
    rejects = pd.read_csv(tmp_path / "needs.rejects.csv")
    assert list(rejects["reason"]) == ["kind: unknown kind 'spaceship'", "source_ref 'n2' repeats row 2"]
    assert one(conn, "SELECT count(*) FROM capacity_needs WHERE source = 'survey'") == 2
