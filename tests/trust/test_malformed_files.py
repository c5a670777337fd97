"""Malformed files for every importer, through `assetmap import`: each is answered with a reason (a one-line error,
or rejected rows with reasons), never a traceback, and nothing is written by an import that fails."""

from __future__ import annotations

import io
import json
import zipfile

import psycopg
import pytest
from click.testing import CliRunner

from assetmap.cli import main
from tests.helpers import scratch_database

SQUARE_3D = [[[-0.9, 52.6, 10], [-0.89, 52.6, 10], [-0.89, 52.61, 10], [-0.9, 52.61, 10], [-0.9, 52.6, 10]]]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


BROKEN = {
    "empty.csv": b"",
    "header-only.csv": b"name,category,lon,lat\n",
    "ragged.csv": b"name,category,lon,lat\nHall,community_centre,-0.9\nHall,community_centre,-0.9,52.6,extra,more\n",
    "latin1.csv": "name,category,lon,lat\nCaf\u00e9,community_centre,-0.9,52.6\n".encode("latin-1"),
    "utf16.csv": "name,category,lon,lat\nHall,community_centre,-0.9,52.6\n".encode("utf-16"),
    "binary.csv": bytes(range(256)) * 4,
    "broken.geojson": b'{"type": "FeatureCollection", "features": [',
    "not-geojson.geojson": b'{"hello": "world"}',
    "3d.geojson": json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": SQUARE_3D},
         "properties": {"name": "Hall", "category": "community_centre", "code": "X1"}}]}).encode(),
    "broken.xlsx": b"PK\x03\x04 this is not a workbook",
    "broken.gpkg": b"SQLite format 3\x00" + bytes(200),
    "broken.zip": b"PK\x05\x06" + bytes(18),
    "shapeless.zip": _zip({"readme.txt": b"no shapefile here"}),
    "broken.json": b"[{]",
    "list.json": b"[1, 2, 3]",
    "broken.osm": b"<osm><node id='1' lat='x'",
    "broken.txt": b"\x00\x01\x02",
}
KINDS = {
    "assets": ["empty.csv", "header-only.csv", "ragged.csv", "latin1.csv", "utf16.csv", "binary.csv",
               "broken.geojson", "not-geojson.geojson", "3d.geojson", "broken.xlsx", "broken.gpkg", "broken.zip",
               "shapeless.zip"],
    "services": ["empty.csv", "ragged.csv", "broken.geojson", "3d.geojson", "broken.xlsx"],
    "needs": ["empty.csv", "ragged.csv", "binary.csv", "broken.xlsx"],
    "neighbourhoods": ["empty.csv", "broken.geojson", "not-geojson.geojson", "3d.geojson", "broken.gpkg",
                       "broken.zip"],
    "gazetteer": ["empty.csv", "ragged.csv", "binary.csv", "broken.txt"],
    "hsds": ["broken.json", "list.json", "broken.zip", "empty.csv"],
    "osm": ["broken.osm", "broken.json", "empty.csv"],
    "openactive": ["broken.json", "list.json", "empty.csv"],
}
CASES = [(kind, name) for kind, names in KINDS.items() for name in names]


@pytest.fixture(scope="module")
def db(admin_url, template_db):
    with scratch_database(admin_url, template=template_db) as url:
        yield url


def _rows(url) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM assets), (SELECT count(*) FROM services), "
                            "(SELECT count(*) FROM capacity_needs), (SELECT count(*) FROM neighbourhoods), "
                            "(SELECT count(*) FROM gazetteer)").fetchone()


@pytest.mark.parametrize("kind, name", CASES)
def test_a_malformed_file_is_answered_with_a_reason(db, tmp_path, kind, name):
    path = tmp_path / name
    path.write_bytes(BROKEN[name])
    before = _rows(db)
    options = {"neighbourhoods": ["--code-field", "code", "--name-field", "name"],
               "gazetteer": ["--format", "csv"]}.get(kind, [])
    result = CliRunner().invoke(main, ["import", kind, str(path), *options], env={"DATABASE_URL": db})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{kind} {name}: {type(result.exception).__name__}: {result.exception}")
    if result.exit_code != 0:
        assert "Error:" in result.output and len(result.output.strip().splitlines()) <= 3, result.output
    assert _rows(db) == before or result.exit_code == 0
    print(f"{kind:15} {name:22} {result.output.strip().splitlines()[-1][:110] if result.output.strip() else ''}")
