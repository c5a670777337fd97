"""Fuzzing what people type and the files they upload, with hypothesis: the validators and the asset importer meet
random text, numbers (NaN, infinities, huge), wrong types, broken and 3D geometries, wrong coordinate systems, wrong
encodings, ragged and oversized rows. Each either accepts or says why (a ValidationFailed, InvalidParameter,
UnreadableFile or MappingError with a message), never anything else; an import that fails writes nothing, and every
rejected row carries a reason. The number of cases each fuzzer ran is printed (pytest -s)."""

from __future__ import annotations

import json
import math

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetmap.errors import AssetMapError
from assetmap.ingest.asset_files import import_assets
from assetmap.ingest.asset_mapping import MappingError
from assetmap.ingest.read import UnreadableFile, read_table
from assetmap.model.submission import ValidationFailed, Vocabularies, validate_submission
from assetmap.validate import parse_bbox, parse_codes, parse_int

VOCAB = Vocabularies.from_files()
RAN = {}

any_value = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=400),
    st.sampled_from(["community_centre", "space", "places", "Tu 18:00-21:00", "free", "-0.9", "52.6", "",
                     "<script>x</script>", "'; DROP TABLE assets; --", "\u202e", "9" * 400]),
    st.lists(st.text(max_size=10), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
FIELDS = ["name", "category", "lon", "lat", "description", "audience", "accessibility", "organisation", "address",
          "postcode", "contact_email", "contact_phone", "private_home"]
OFFER = ["kind", "quantity", "unit", "schedule", "cost", "audience", "description"]


def _count(name):
    RAN[name] = RAN.get(name, 0) + 1


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries({}, optional={f: any_value for f in FIELDS} | {
    "capacity": st.one_of(any_value, st.lists(st.fixed_dictionaries({}, optional={f: any_value for f in OFFER}),
                                              max_size=3))}))
def test_the_submission_rules_accept_or_say_why(data):
    _count("submission rules")
    try:
        sub = validate_submission(data, vocabularies=VOCAB, reject_unknown=True)
    except ValidationFailed as exc:
        assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())
        return
    assert sub.name.strip() and -180 <= sub.lon <= 180 and -90 <= sub.lat <= 90
    assert all(o.quantity is None or math.isfinite(o.quantity) for o in sub.offers)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.sampled_from(["1,2,3,4", "-1,52,-0.9,52.6", "nan,0,1,1", "1e400,0,1,1",
                                                        "0,0,0,0", "1,2,3", "a,b,c,d", "-181,0,0,1"])))
def test_query_parsers_accept_or_say_why(raw):
    _count("query parsers")
    for parse in (lambda r: parse_bbox(r), lambda r: parse_int(r, "limit", 10, 1, 1000),
                  lambda r: parse_codes(r, "category", {"a", "b"})):
        try:
            parse(raw)
        except AssetMapError as exc:
            assert str(exc)


cell = st.one_of(st.text(max_size=60), st.sampled_from(["", "-0.9", "52.6", "NaN", "inf", "1e308", "x" * 5000,
                                                        "\u00e9\u00e8", "=HYPERLINK(\"x\")", "Tu 18:00-21:00"]))
columns = st.lists(st.sampled_from(["name", "category", "lon", "lat", "postcode", "description", "capacity.0.kind",
                                    "capacity.0.schedule", "capacity.0.quantity", "extra", ""]),
                   min_size=0, max_size=6)


def _csv_bytes(draw_columns, rows, encoding, ragged):
    lines = [",".join(draw_columns)]
    for row in rows:
        cells = [json.dumps(c) if ("," in c or "\n" in c or '"' in c) else c for c in row]
        lines.append(",".join(cells if ragged else cells[:len(draw_columns)]))
    return "\n".join(lines).encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def import_db(admin_url, template_db):
    from tests.helpers import scratch_database
    with scratch_database(admin_url, template=template_db) as url:
        yield url


def _assets(conn) -> int:
    return conn.execute("SELECT count(*) FROM assets").fetchone()[0]


def _import_checked(conn, path):
    before = _assets(conn)
    try:
        report = import_assets(conn, path, source="fuzz")
    except (UnreadableFile, MappingError, AssetMapError) as exc:
        assert str(exc)
        assert _assets(conn) == before, "a failed import left rows behind"
        return
    assert all(r.reason for r in report.rejected)
    assert _assets(conn) - before <= report.inserted


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns, st.lists(st.lists(cell, max_size=7), max_size=6), st.sampled_from(["utf-8", "latin-1", "utf-16"]),
       st.booleans())
def test_random_csv_files_import_or_say_why(import_db, tmp_path_factory, cols, rows, encoding, ragged):
    _count("asset files (CSV)")
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    path.write_bytes(_csv_bytes(cols, rows, encoding, ragged))
    with psycopg.connect(import_db, autocommit=True) as conn:
        _import_checked(conn, path)


coordinate = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**7, 10**7),
                       st.sampled_from([-0.9, 52.6, 530000, 180000]))
position = st.lists(coordinate, min_size=0, max_size=4)   # 0–4 numbers: empty, 2D, 3D, 4D
geometry = st.one_of(
    st.builds(lambda p: {"type": "Point", "coordinates": p}, position),
    st.builds(lambda ps: {"type": "Polygon", "coordinates": [ps]}, st.lists(position, max_size=5)),
    st.builds(lambda ps: {"type": "LineString", "coordinates": ps}, st.lists(position, max_size=4)),
    st.sampled_from([None, {"type": "Nonsense"}, {"type": "Point"}, "POINT (1 2)"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({"geometry": geometry, "properties": st.fixed_dictionaries(
    {"name": cell, "category": st.sampled_from(["community_centre", "nope", ""])})}), max_size=5),
       st.sampled_from([None, "urn:ogc:def:crs:EPSG::27700", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:99999"]))
def test_random_geojson_files_import_or_say_why(import_db, tmp_path_factory, features, crs):
    _count("asset files (GeoJSON)")
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", **f} for f in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path_factory.mktemp("geojson") / "fuzz.geojson"
    path.write_text(json.dumps(doc, allow_nan=True))
    with psycopg.connect(import_db, autocommit=True) as conn:
        _import_checked(conn, path)


def test_an_empty_csv_says_so(tmp_path):
    """Found by the fuzzer above: pandas' EmptyDataError escaped as a 500."""
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(UnreadableFile, match="the file is empty"):
        read_table(tmp_path / "empty.csv")


def test_zz_report_the_counts():
    print("fuzz cases run:", RAN)
