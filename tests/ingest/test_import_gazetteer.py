"""Importing postcode centroids: each format, rejects with reasons, idempotence, dry runs, atomicity, real data."""

from __future__ import annotations

import statistics
import time

import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.errors import AssetMapError
from assetmap.geocode.gazetteer import GazetteerGeocoder
from assetmap.ingest import staging
from assetmap.ingest.gazetteer import import_gazetteer

# Real Camden postcodes (Code-Point Open 2014): eastings, northings and their WGS 84 point.
EC1M_3HA = ("EC1M 3HA", 531511, 181768, -0.105937, 51.51953)
EC1M_3HQ = ("EC1M 3HQ", 531454, 181953, -0.106689, 51.521206)

CODEPOINT = """\
EC1M3HA,10,531511,181768,E92000001,E19000003,E18000007,,E09000007,E05000138
"EC1M 3HQ",10,531454,181953,E92000001,E19000003,E18000007,,E09000007,E05000138
NW1W 7JZ,90,0,0,E92000001,,,,E09000007,
NW1 1CI,10,531454,181953,E92000001,,,,E09000007,
NW1 1HY,10,9531454,181953,E92000001,,,,E09000007,
NW1 1AA,10,abc,,E92000001,,,,E09000007,
ec1m 3ha,10,531511,181768,E92000001,,,,E09000007,
"""

ONSPD = """\
pcd,pcds,dointr,doterm,oseast1m,osnrth1m,oslaua,lat,long
NW1 1HY ,NW1 1HY,198001,,529812,183231,E09000007,51.531174,-0.130834
NW1 2AA ,NW1 2AA,198001,200012,529000,183000,E09000007,51.53,-0.13
NW1 2AB ,NW1 2AB,198001,,,,E09000007,99.999999,0.000000
NOTAPC  ,NOTAPC,198001,,529812,183231,E09000007,51.53,-0.13
NW1 2AD ,NW1 2AD,198001,,529812,183231,E09000007,40.0,-0.13
"""

PLAIN = """\
Postcode,Latitude,Longitude
WC2H 9AA,51.51479,-0.12517
w1t6eu,51.52243,-0.14059
NW3 2SE,,
NW3 2SF,100,101
WC2H 9AA,51.5,-0.12
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(conn):
    return conn.execute("""
        SELECT normalised, source, round(ST_X(geom)::numeric, 5), round(ST_Y(geom)::numeric, 5), attrs
          FROM gazetteer ORDER BY normalised""").fetchall()


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


def test_codepoint_headerless_file_loads_good_rows_and_rejects_bad_ones(conn, tmp_path):
    report = import_gazetteer(conn, _write(tmp_path, "n.csv", CODEPOINT), fmt="codepoint")
    assert (report.read, report.inserted, report.updated) == (7, 2, 0)
    reasons = {r.row_number: r.reason for r in report.rejected}
    assert reasons[3] == "no grid reference (eastings and northings 0)"
    assert reasons[4] == "malformed postcode 'NW1 1CI'"
    assert "outside the British National Grid" in reasons[5]
    assert reasons[6] == "missing or non-numeric eastings/northings"
    assert reasons[7] == "duplicate of row 1 (EC1M 3HA)"
    assert report.rejected[0].row["Postcode"] == "NW1W 7JZ"
    rows = _rows(conn)
    assert [r[:2] for r in rows] == [("EC1M 3HA", "codepoint"), ("EC1M 3HQ", "codepoint")]
    # Reprojected from the National Grid in PostGIS: within a metre or so of OS's own WGS 84 figure.
    for (_, _, lon, lat, attrs), expected in zip(rows, (EC1M_3HA, EC1M_3HQ)):
        assert float(lon) == pytest.approx(expected[3], abs=2e-5)
        assert float(lat) == pytest.approx(expected[4], abs=2e-5)
        assert attrs["admin_ward_code"] == "E05000138"


def test_onspd_skips_terminated_and_ungridded_postcodes(conn, tmp_path):
    report = import_gazetteer(conn, _write(tmp_path, "ONSPD_FEB_2024.csv", ONSPD), fmt="onspd")
    assert (report.read, report.inserted) == (5, 1)
    reasons = [r.reason for r in report.rejected]
    assert reasons == ["terminated (200012)", "no grid reference (ONSPD lat 99.999999)",
                       "malformed postcode 'NOTAPC'", "coordinates outside Great Britain (lon -0.13, lat 40.0)"]
    assert [(r[0], r[1], r[4]) for r in _rows(conn)] == [("NW1 1HY", "onspd", {"oslaua": "E09000007"})]


def test_plain_csv_with_latitude_longitude_columns(conn, tmp_path):
    report = import_gazetteer(conn, _write(tmp_path, "surgeries.csv", PLAIN), fmt="csv")
    assert (report.read, report.inserted) == (5, 2)
    assert [(r.row_number, r.reason) for r in report.rejected] == [
        (3, "missing or non-numeric coordinates"),
        (4, "coordinates outside Great Britain (lon 101.0, lat 100.0)"),
        (5, "duplicate of row 1 (WC2H 9AA)")]
    assert [r[:2] for r in _rows(conn)] == [("W1T 6EU", "csv:surgeries"), ("WC2H 9AA", "csv:surgeries")]


def test_a_missing_column_is_named(conn, tmp_path):
    with pytest.raises(AssetMapError, match="no column 'lon' or 'longitude'"):
        import_gazetteer(conn, _write(tmp_path, "x.csv", "postcode,lat\nNW1 1HY,51.5\n"), fmt="csv")


def test_reimport_updates_instead_of_duplicating(conn, tmp_path):
    path = _write(tmp_path, "n.csv", CODEPOINT)
    import_gazetteer(conn, path, fmt="codepoint")
    moved = CODEPOINT.replace("531454,181953", "531460,181960", 1)
    report = import_gazetteer(conn, _write(tmp_path, "n.csv", moved), fmt="codepoint")
    assert (report.inserted, report.updated, len(report.rejected)) == (0, 2, 5)
    assert conn.execute("SELECT count(*) FROM gazetteer").fetchone()[0] == 2
    # The same postcodes from another source sit beside them.
    import_gazetteer(conn, _write(tmp_path, "plain.csv", "postcode,lat,lon\nEC1M 3HA,51.52,-0.106\n"), fmt="csv")
    assert conn.execute("SELECT count(*) FROM gazetteer").fetchone()[0] == 3


def test_dry_run_reports_and_writes_nothing(conn, tmp_path):
    path = _write(tmp_path, "n.csv", CODEPOINT)
    report = import_gazetteer(conn, path, fmt="codepoint", dry_run=True)
    assert (report.inserted, report.updated, len(report.rejected)) == (2, 0, 5)
    assert "would insert 2" in report.summary() and "nothing written" in report.summary()
    assert _rows(conn) == []
    import_gazetteer(conn, path, fmt="codepoint")
    assert import_gazetteer(conn, path, fmt="codepoint", dry_run=True).updated == 2


def test_a_failure_midway_leaves_nothing(conn, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "PROGRESS_EVERY", 2)
    lines = [f"NW1 {i}AA,10,{529000 + i},183000,E92000001,,,,E09000007," for i in range(10)]
    path = _write(tmp_path, "n.csv", "\n".join(lines) + "\n")

    done = []

    def progress(n):   # called with the rows done since the last call
        done.append(n)
        if sum(done) >= 6:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        import_gazetteer(conn, path, fmt="codepoint", progress=progress)
    assert _rows(conn) == []
    # The staging table went with the transaction: the next import works.
    assert import_gazetteer(conn, path, fmt="codepoint").inserted == 10


def test_inside_a_callers_transaction(fresh_db_url, tmp_path):
    """An importer called twice in one outer transaction (a savepoint each) must not trip on its own staging table."""
    path = _write(tmp_path, "n.csv", CODEPOINT)
    with psycopg.connect(fresh_db_url) as conn:
        conn.execute("SELECT 1")   # the caller's transaction is open
        import_gazetteer(conn, path, fmt="codepoint")
        assert import_gazetteer(conn, path, fmt="codepoint").updated == 2
        conn.rollback()
        assert _rows(conn) == []


def test_command_prints_summary_and_writes_rejects(fresh_db_url, tmp_path):
    path = _write(tmp_path, "n.csv", CODEPOINT)
    result = CliRunner().invoke(main, ["import", "gazetteer", str(path), "--format", "codepoint"],
                                env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 0, result.output
    assert "gazetteer n.csv: read 7, inserted 2, updated 0, rejected 5" in result.output
    rejects = (tmp_path / "n.rejects.csv").read_text().splitlines()
    assert rejects[0].startswith("row_number,reason,Postcode,")
    assert len(rejects) == 6
    elsewhere = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["import", "gazetteer", str(path), "--format", "codepoint", "--dry-run",
                                         "--rejects", str(elsewhere)], env={"DATABASE_URL": fresh_db_url})
    assert "would update 2" in result.output and elsewhere.exists()
    result = CliRunner().invoke(main, ["import", "gazetteer", str(path)], env={"DATABASE_URL": fresh_db_url})
    assert result.exit_code == 2 and "--format" in result.output


def _assets_by_postcode(realdata):
    pyogrio = pytest.importorskip("pyogrio")
    frames = [pyogrio.read_dataframe(realdata / f"camden_{name}.geojson") for name in ("gp_practices", "libraries")]
    return [(row.postcode, row.geometry.x, row.geometry.y) for f in frames for row in f.itertuples()]


def test_real_codepoint_file_geocodes_camden_gps_and_libraries(conn, realdata):
    path = realdata / "camden_postcodes_codepoint2014.csv"
    t0 = time.perf_counter()
    report = import_gazetteer(conn, path, fmt="codepoint")
    seconds = time.perf_counter() - t0
    assert report.read == 8354 and report.inserted == 8354 and not report.rejected, report.rejected[:3]
    print(f"\nimported {report.read} Code-Point rows in {seconds:.2f} s ({report.read / seconds:,.0f} rows/s)")

    assets = _assets_by_postcode(realdata)
    found = GazetteerGeocoder(conn).geocode_many([pc for pc, _, _ in assets])
    distances = conn.execute("""
        SELECT ST_Distance(ST_MakePoint(a.lon, a.lat)::geography, ST_MakePoint(a.glon, a.glat)::geography)
          FROM unnest(%s::float8[], %s::float8[], %s::float8[], %s::float8[]) AS a(lon, lat, glon, glat)""",
        ([lon for _, lon, _ in assets], [lat for _, _, lat in assets],
         [found[pc].lon if found[pc] else None for pc, _, _ in assets],
         [found[pc].lat if found[pc] else None for pc, _, _ in assets])).fetchall()
    metres = sorted(d for (d,) in distances if d is not None)
    close = sum(d <= 300 for d in metres)
    p95 = metres[int(0.95 * (len(metres) - 1))]
    print(f"{len(assets)} GPs and libraries: {len(metres)} postcodes found, {close} within 300 m; "
          f"median {statistics.median(metres):.1f} m, 95th percentile {p95:.1f} m, max {metres[-1]:.1f} m")
    assert close / len(assets) >= 0.9
