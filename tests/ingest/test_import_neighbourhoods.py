"""Importing neighbourhood polygons: formats, repairs, rejects, upsert by code, re-derived asset neighbourhoods."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.neighbourhoods import import_neighbourhoods

WEST, EAST = box(-0.2, 51.5, -0.1, 51.6), box(-0.1, 51.5, 0.0, 51.6)
BOWTIE = Polygon([(0.0, 51.5), (0.1, 51.6), (0.1, 51.5), (0.0, 51.6), (0.0, 51.5)])   # self-intersecting


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


def write(tmp_path, rows, name="areas.geojson", crs=4326):
    df = pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows])
    gdf = gpd.GeoDataFrame(df, geometry=[r["geometry"] for r in rows], crs=4326).to_crs(crs)
    path = tmp_path / name
    gdf.to_file(path, engine="pyogrio")
    return path


def areas(**extra):
    return [{"code": "W", "label": "West", "pop": 1000, "imd": 30.5, "ward": "A", "geometry": WEST, **extra},
            {"code": "E", "label": "East", "pop": 2000, "imd": 12.0, "ward": "B", "geometry": EAST}]


def run(conn, path, **kw):
    return import_neighbourhoods(conn, path, code_field="code", name_field="label", population_field="pop",
                                 need_field="imd", **kw)


@pytest.mark.parametrize("name,crs", [("a.geojson", 4326), ("a.gpkg", 27700), ("a.shp", 4326),
                                      ("a.shp", 27700)])
def test_formats_and_crs(conn, tmp_path, name, crs):
    report = run(conn, write(tmp_path, areas(), name, crs))
    assert (report.read, report.inserted, report.rejected) == (2, 2, [])
    row = conn.execute("SELECT name, population, need_score, attrs, GeometryType(geom), "
                       "ST_Area(ST_SymDifference(geom, ST_GeomFromText(%s, 4326))) "
                       "FROM neighbourhoods WHERE code = 'W'", (WEST.wkt,)).fetchone()
    assert row[:5] == ("West", 1000, 30.5, {"ward": "A"}, "MULTIPOLYGON")
    assert row[5] < 1e-7   # a box round-tripped through EPSG:27700 is not quite a box


def test_reject_reasons_and_repairs(conn, tmp_path):
    rows = areas() + [
        {"code": "W", "label": "Again", "pop": 1, "imd": 1, "ward": "", "geometry": box(1, 51, 1.1, 51.1)},
        {"code": "", "label": "No code", "pop": 1, "imd": 1, "ward": "", "geometry": box(1, 51, 1.1, 51.1)},
        {"code": "L", "label": "Line", "pop": 1, "imd": 1, "ward": "", "geometry": LineString([(0, 51), (1, 52)])},
        {"code": "P", "label": "", "pop": 1, "imd": 1, "ward": "", "geometry": Point(0, 51)},
        {"code": "N", "label": "Negative", "pop": -5, "imd": 1, "ward": "", "geometry": box(1, 51, 1.1, 51.1)},
        {"code": "B", "label": "Bowtie", "pop": 5, "imd": 1, "ward": "", "geometry": BOWTIE},
    ]
    report = run(conn, write(tmp_path, rows))
    reasons = {r.row_number: r.reason for r in report.rejected}
    assert reasons[3] == "code W repeats row 1"
    assert reasons[4].startswith("no code in code")
    assert reasons[5] == "not a polygon (LineString)"
    assert "no name in label" in reasons[6] and "not a polygon (Point)" in reasons[6]
    assert "pop must be a whole number" in reasons[7]
    assert report.inserted == 3
    assert "1 invalid polygons repaired (made valid)" in report.notes
    assert conn.execute("SELECT ST_IsValid(geom) AND ST_NumGeometries(geom) = 2 FROM neighbourhoods "
                        "WHERE code = 'B'").fetchone()[0]


def test_empty_geometry_is_rejected(conn, tmp_path):
    path = tmp_path / "e.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                    '{"code": "X", "label": "Empty"}, "geometry": null}]}')
    report = import_neighbourhoods(conn, path, code_field="code", name_field="label")
    assert report.rejected[0].reason == "no geometry (empty)"


def test_missing_column_is_an_error(conn, tmp_path):
    with pytest.raises(ValueError, match="no column lsoa"):
        import_neighbourhoods(conn, write(tmp_path, areas()), code_field="lsoa", name_field="label")


def test_reimport_updates_in_place_and_rederives_assets(conn, tmp_path):
    path = write(tmp_path, areas())
    run(conn, path)
    ids = dict(conn.execute("SELECT code, id FROM neighbourhoods").fetchall())
    assets = tmp_path / "assets.csv"
    pd.DataFrame([{"name": "Hall", "category": "other", "lon": -0.12, "lat": 51.55, "source_ref": "1"}]) \
        .to_csv(assets, index=False)
    import_assets(conn, assets)
    assert conn.execute("SELECT neighbourhood_id FROM assets").fetchone()[0] == ids["W"]
    # The boundary moves west: the hall now lies in East, same ids.
    moved = [dict(areas()[0], geometry=box(-0.2, 51.5, -0.13, 51.6)),
             dict(areas()[1], geometry=box(-0.13, 51.5, 0.0, 51.6), label="East side")]
    report = run(conn, write(tmp_path, moved, "moved.geojson"))
    assert (report.inserted, report.updated) == (0, 2)
    assert dict(conn.execute("SELECT code, id FROM neighbourhoods").fetchall()) == ids
    assert conn.execute("SELECT neighbourhood_id FROM assets").fetchone()[0] == ids["E"]
    assert conn.execute("SELECT name FROM neighbourhoods WHERE code = 'E'").fetchone()[0] == "East side"


def test_new_neighbourhood_claims_existing_assets(conn, tmp_path):
    assets = tmp_path / "assets.csv"
    pd.DataFrame([{"name": "Hall", "category": "other", "lon": -0.12, "lat": 51.55}]).to_csv(assets, index=False)
    import_assets(conn, assets)
    assert conn.execute("SELECT neighbourhood_id FROM assets").fetchone()[0] is None
    run(conn, write(tmp_path, areas()))
    assert conn.execute("SELECT n.code FROM assets a JOIN neighbourhoods n ON n.id = a.neighbourhood_id") \
        .fetchone()[0] == "W"


def test_dry_run_writes_nothing(conn, tmp_path):
    report = run(conn, write(tmp_path, areas()), dry_run=True)
    assert report.inserted == 2
    assert conn.execute("SELECT count(*) FROM neighbourhoods").fetchone()[0] == 0


def test_failure_mid_way_leaves_nothing(conn, tmp_path):
    run(conn, write(tmp_path, areas()))
    # A later CHECK fails on the second row of the next import: the first row's update must not stay.
    conn.execute("ALTER TABLE neighbourhoods ADD CONSTRAINT small CHECK (population < 5000)")
    rows = [dict(areas()[0], label="Renamed"), dict(areas()[1], pop=9999)]
    with pytest.raises(psycopg.errors.CheckViolation):
        run(conn, write(tmp_path, rows, "bad.geojson"))
    assert conn.execute("SELECT name FROM neighbourhoods WHERE code = 'W'").fetchone()[0] == "West"


@pytest.mark.realdata
def test_camden_lsoas(conn, realdata):
    report = import_neighbourhoods(conn, realdata / "camden_lsoa11_imd2019.geojson", code_field="lsoa11cd",
                                   name_field="lsoa11nm", population_field="pop_mid2020_total")
    assert (report.inserted, report.rejected) == (133, [])
    assert conn.execute("SELECT sum(population) FROM neighbourhoods").fetchone()[0] == 279516
    borough = gpd.read_file(realdata / "camden_borough.geojson").geometry.iloc[0]
    diff, area = conn.execute("""
        SELECT ST_Area(ST_SymDifference(u, b)::geography), ST_Area(b::geography)
          FROM (SELECT ST_Union(geom) u FROM neighbourhoods) x, (SELECT ST_GeomFromText(%s, 4326) b) y""",
                              (borough.wkt,)).fetchone()
    # IMD 2019 has ranks, not scores (see the README); the 2025 scores on the 2021 LSOAs are the need.
    # Different generalisations (2011 "clipped" LSOAs vs 2022 20 m LAD): close, not identical.
    assert diff / area < 0.02

    scores = import_neighbourhoods(conn, realdata / "camden_lsoa21_imd2025.geojson", code_field="lsoa21cd",
                                   name_field="lsoa21nm", need_field="imd25_imd_score")
    # 2021 LSOAs that did not change keep their 2011 code, so part of this updates the rows above in place.
    assert (scores.inserted + scores.updated, scores.rejected) == (130, [])
    assert scores.updated > 100
    lo, hi = conn.execute("SELECT min(need_score), max(need_score) FROM neighbourhoods "
                          "WHERE code IN (SELECT code FROM neighbourhoods WHERE attrs ? 'imd25_imd_rank')").fetchone()
    assert 3.9 < lo < hi < 52.1


def test_cli_neighbourhoods(fresh_db_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assetmap.cli import main
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    path = write(tmp_path, areas())
    args = ["import", "neighbourhoods", str(path), "--code-field", "code", "--name-field", "label",
            "--population-field", "pop", "--need-field", "imd"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "read 2, inserted 2" in result.output
    result = CliRunner().invoke(main, args[:3] + ["--code-field", "nope", "--name-field", "label"])
    assert result.exit_code == 1 and "no column nope" in result.output
