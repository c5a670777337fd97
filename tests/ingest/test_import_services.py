"""Importing services: flat files, sites, the three kinds of catchment, rejects, re-import, dry runs."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from shapely.geometry import Point, box

from assetmap.ingest.report import ImportReport
from assetmap.ingest.service_files import import_services
from assetmap.ingest.services import load_services

ROW = {"source_ref": "s1", "agency": "Camden Council", "agency_kind": "council", "name": "Housing advice",
       "theme": "housing", "client_groups": "homeless;low_income", "annual_spend": "120000",
       "site_name": "Town hall", "lon": -0.125, "lat": 51.53, "schedule": "Mo-Fr 09:00-17:00",
       "contacts_per_week": 40}


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) VALUES "
                  "('A', 'A', ST_Multi(ST_MakeEnvelope(-0.2, 51.5, -0.1, 51.6, 4326))), "
                  "('B', 'B', ST_Multi(ST_MakeEnvelope(-0.1, 51.5, 0.0, 51.6, 4326)))")
        yield c


def write(tmp_path, rows, name="services.csv"):
    path = tmp_path / name
    df = pd.DataFrame(rows)
    if name.endswith(".csv"):
        df.to_csv(path, index=False)
    elif name.endswith(".xlsx"):
        df.to_excel(path, index=False)
    else:
        gdf = gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=[Point(r["lon"], r["lat"]) for r in rows],
                               crs=4326).to_crs(27700)
        gdf.to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("name", ["services.csv", "services.xlsx", "services.gpkg"])
def test_formats(conn, tmp_path, name):
    report = import_services(conn, write(tmp_path, [ROW, dict(ROW, source_ref="s2", name="Tenancy support")],
                                         name))
    assert (report.read, report.inserted, report.rejected) == (2, 2, [])
    svc = conn.execute("SELECT agency_kind, theme, client_groups, annual_spend FROM services WHERE source_ref = 's1'"
                       ).fetchone()
    assert svc == ("council", "housing", ["homeless", "low_income"], 120000)
    site = conn.execute("SELECT s.name, s.schedule, s.contacts_per_week, n.code, round(ST_X(s.geom)::numeric, 6) "
                        "FROM service_sites s JOIN neighbourhoods n ON n.id = s.neighbourhood_id").fetchall()
    assert site[0] == ("Town hall", "Mo-Fr 09:00-17:00", 40, "A", -0.125)


def test_catchments(conn, tmp_path):
    rows = [dict(ROW, source_ref="radius", catchment_radius_m=1000),
            dict(ROW, source_ref="hoods", catchment_neighbourhoods="A;B"),
            dict(ROW, source_ref="poly"),
            dict(ROW, source_ref="none")]
    polys = gpd.GeoDataFrame({"source_ref": ["poly"]}, geometry=[box(-0.15, 51.52, -0.12, 51.54)], crs=4326)
    polys.to_file(tmp_path / "c.geojson", engine="pyogrio")
    report = import_services(conn, write(tmp_path, rows), catchments_path=tmp_path / "c.geojson")
    assert report.inserted == 4, report.rejected
    areas = dict(conn.execute("SELECT v.source_ref, ST_Area(a.geom::geography) FROM service_areas a "
                              "JOIN services v ON v.id = a.service_id").fetchall())
    assert set(areas) == {"radius", "hoods", "poly"}
    assert abs(areas["radius"] - 3.1416e6) / 3.1416e6 < 0.01
    assert areas["hoods"] > areas["poly"] > 0


def test_reject_reasons(conn, tmp_path):
    rows = [ROW,
            dict(ROW, source_ref="a", agency=""),
            dict(ROW, source_ref="b", agency_kind="army"),
            dict(ROW, source_ref="c", theme="space"),
            dict(ROW, source_ref="d", client_groups="homeless;aliens"),
            dict(ROW, source_ref="e", annual_spend="-5"),
            dict(ROW, source_ref="f", schedule="whenever"),
            dict(ROW, source_ref="g", catchment_neighbourhoods="A;ZZ"),
            dict(ROW, source_ref="h", lon=None, lat=None, postcode="ZZ9 9ZZ"),
            dict(ROW)]
    report = import_services(conn, write(tmp_path, rows))
    reasons = {r.row_number: r.reason for r in report.rejected}
    assert report.inserted == 3   # a bad site is dropped and its service kept (tests/ingest/test_bad_children.py)
    assert reasons[2] == "agency: missing"
    assert reasons[3].startswith("agency_kind: must be one of")
    assert reasons[4] == "theme: unknown theme 'space'"
    assert reasons[5] == "client_groups: unknown aliens"
    assert reasons[6] == "annual_spend: must be a number of pounds, 0 or more"
    assert 7 not in reasons and 9 not in reasons
    assert reasons[8] == "catchment_neighbourhoods: unknown ZZ"
    assert reasons[10] == "source_ref 's1' repeats row 1"


def test_reimport_replaces_sites_and_areas(conn, tmp_path):
    path = write(tmp_path, [dict(ROW, catchment_radius_m=500)])
    import_services(conn, path)
    again = import_services(conn, path)
    assert (again.inserted, again.updated) == (0, 1)
    assert conn.execute("SELECT (SELECT count(*) FROM services), (SELECT count(*) FROM service_sites), "
                        "(SELECT count(*) FROM service_areas)").fetchone() == (1, 1, 1)


def test_dry_run_and_late_failure(conn, tmp_path):
    path = write(tmp_path, [ROW])
    assert import_services(conn, path, dry_run=True).inserted == 1
    assert conn.execute("SELECT count(*) FROM services").fetchone()[0] == 0
    conn.execute("ALTER TABLE service_sites ADD CONSTRAINT few CHECK (contacts_per_week < 10)")
    with pytest.raises(psycopg.errors.CheckViolation):
        import_services(conn, path)
    assert conn.execute("SELECT count(*) FROM services").fetchone()[0] == 0


def test_load_services_core(conn):
    report = ImportReport(kind="services", source="hsds")
    rows = [(1, {"source_ref": "x", "agency": "NHS", "agency_kind": "nhs", "name": "Clinic", "theme": "health",
                 "client_groups": ["older_people"],
                 "sites": [{"name": "A", "lon": -0.15, "lat": 51.55, "kind": "fixed"},
                           {"name": "B", "lon": -0.05, "lat": 51.55, "kind": "outreach"}],
                 "catchment": {"geometry": box(-0.2, 51.5, 0.0, 51.6)}})]
    load_services(conn, rows, source="hsds", report=report)
    assert report.inserted == 1
    assert conn.execute("SELECT array_agg(n.code ORDER BY s.name) FROM service_sites s "
                        "JOIN neighbourhoods n ON n.id = s.neighbourhood_id").fetchone()[0] == ["A", "B"]


def test_cli_services(conn, fresh_db_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assetmap.cli import main
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    path = write(tmp_path, [ROW, dict(ROW, source_ref="x", theme="space")])
    result = CliRunner().invoke(main, ["import", "services", str(path)])
    assert result.exit_code == 0, result.output
    assert "read 2, inserted 1, updated 0, rejected 1" in result.output
    assert (tmp_path / "services.rejects.csv").exists()
