"""The CQL2 compiler: every value bound (never in the SQL text), only whitelisted properties as identifiers, plain
400s for what it refuses; and the compiled filters select in PostGIS what the same condition in SQL selects."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from psycopg import sql

from assetmap.errors import InvalidParameter
from assetmap.ogc import cql2
from assetmap.ogc.collections import COLLECTIONS

ASSETS = COLLECTIONS["assets"]
CAPACITY = COLLECTIONS["capacity"]
HOODS = COLLECTIONS["neighbourhoods"]


def text_of(f: cql2.Filter) -> str:
    return f.where.as_string(None)


@pytest.mark.parametrize("condition, values", [
    ("category = 'library'", ["library"]),
    ("name <> 'x); DROP TABLE assets; --'", ["x); DROP TABLE assets; --"]),
    ("category IN ('library', 'youth_club')", ["library", "youth_club"]),
    ("name LIKE 'St%' AND NOT (postcode IS NULL)", ["St%"]),
    ("CASEI(name) = casei('THE LIBRARY')", ["THE LIBRARY"]),
    ("last_confirmed_at >= TIMESTAMP('2025-01-01T00:00:00Z')",
     [dt.datetime(2025, 1, 1, tzinfo=dt.UTC)]),
    ("capacity = true OR category = 'time_bank'", [True, "time_bank"]),
])
def test_values_are_bound_and_never_in_the_sql(condition, values):
    compiled = cql2.compile_text(condition, ASSETS)
    assert list(compiled.params.values()) == values
    sql_text = text_of(compiled)
    for value in values:
        if isinstance(value, str):
            assert value not in sql_text
    assert sql_text.count("%(cql") == len(values)


def test_cql2_json_compiles_to_the_same_as_text():
    as_json = json.dumps({"op": "and", "args": [
        {"op": "=", "args": [{"property": "name"}, "Ashby"]},
        {"op": ">", "args": [{"property": "population"}, 100]}]})
    with pytest.raises(InvalidParameter, match="unknown property 'population'"):
        cql2.compile_text(as_json, ASSETS, "cql2-json")
    compiled = cql2.compile_text(as_json, HOODS, "cql2-json")
    assert text_of(compiled) == text_of(cql2.compile_text("name = 'Ashby' AND population > 100", HOODS))
    assert list(compiled.params.values()) == ["Ashby", 100]


def test_property_names_become_identifiers_only_from_the_whitelist():
    compiled = cql2.compile_text("neighbourhood_name = 'x'", ASSETS)
    assert '"s"."neighbourhood_name"' in text_of(compiled)
    for sneaky in ('"name; DROP TABLE assets" = \'x\'', "is_private_home = true", "geom IS NULL",
                   "contact_email = 'a@b'"):
        with pytest.raises(InvalidParameter) as raised:
            cql2.compile_text(sneaky, ASSETS)
        assert raised.value.param == "filter"


@pytest.mark.parametrize("condition, message", [
    ("name = 3", "not text"),
    ("population = 'many'", "not a integer value"),
    ("population = 2.5", "not a integer value"),
    ("need_score > true", "not a number value"),
    ("name", "not CQL2 text"),
    ("'Ashby'", "not CQL2 text"),
    ("name = 'O''Brien'", "not CQL2 text"),   # pygeofilter 0.4 does not read CQL2's doubled quote
    ("name = 'x' AND", "not CQL2 text"),
    ("name == 'x'", "not CQL2 text"),
    ("geometry = 'x'", "spatial function"),
    ("S_INTERSECTS(name, POINT(0 51))", "not a geometry"),
    ("S_INTERSECTS(geometry, name)", "'name' is not a geometry"),
    ("S_INTERSECTS(geometry, 'x')", "needs the property 'geometry' and a geometry"),
    ("T_INTERSECTS(name, name)", ""),
    ("population + 1 > 2", "needs a property on its left"),
    ("ACCENTI(name) = 'x'", "needs a property on its left"),
])
def test_bad_filters_are_refused_in_plain_words(condition, message):
    with pytest.raises(InvalidParameter) as raised:
        cql2.compile_text(condition, HOODS)
    assert message in raised.value.message
    assert len(raised.value.message) < 400


def test_spatial_literals_are_in_crs84_and_checked():
    compiled = cql2.compile_text("S_INTERSECTS(geometry, BBOX(-1, 52, 0, 53))", COLLECTIONS["catchments"])
    assert "ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%(cql0)s::text), 4326), 27700)" in text_of(compiled)
    with pytest.raises(InvalidParameter) as raised:
        cql2.compile_text("S_INTERSECTS(geometry, BBOX(1000000, 1000000, 2000000, 2000000))", ASSETS)
    assert raised.value.param == "filter-crs"


def test_unknown_filter_language_and_huge_filters():
    with pytest.raises(InvalidParameter) as raised:
        cql2.parse("name = 'x'", "sql")
    assert raised.value.param == "filter-lang"
    with pytest.raises(InvalidParameter, match="longer than"):
        cql2.parse("name = '" + "x" * cql2.MAX_LENGTH + "'")
    with pytest.raises(InvalidParameter, match="not JSON"):
        cql2.parse("{", "cql2-json")


# -- against the demo town: each filter selects what the equivalent SQL selects ------------------------------------

def selected(conn, coll, condition: str, lang: str = "cql2-text") -> set:
    compiled = cql2.compile_text(condition, coll, lang)
    query = sql.SQL("SELECT s.k FROM ({}) s WHERE {}").format(sql.SQL(coll.source), compiled.where)
    return {r[0] for r in conn.execute(query, compiled.params).fetchall()}


def ids(conn, query: str, params=None) -> set:
    return {r[0] for r in conn.execute(query, params).fetchall()}


def test_filters_select_what_sql_selects(demo_conn):
    libraries = ids(demo_conn, "SELECT id FROM public_assets WHERE category = 'library'")
    assert libraries and selected(demo_conn, ASSETS, "category = 'library'") == libraries
    assert selected(demo_conn, ASSETS, "NOT (category <> 'library')") == libraries
    some = ids(demo_conn, "SELECT id FROM public_assets WHERE category IN ('library', 'youth_club') "
                          "AND name ILIKE 'the%'")
    assert selected(demo_conn, ASSETS, "category IN ('library','youth_club') AND CASEI(name) LIKE casei('THE%')") \
        == some
    no_postcode = ids(demo_conn, "SELECT id FROM public_assets WHERE postcode IS NULL")
    assert selected(demo_conn, ASSETS, "postcode IS NULL") == no_postcode
    big = ids(demo_conn, "SELECT id FROM public_capacity_offers WHERE quantity BETWEEN 2 AND 20")
    assert big and selected(demo_conn, CAPACITY, "quantity BETWEEN 2 AND 20") == big
    middle = demo_conn.execute("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY last_confirmed_at) "
                               "FROM public_assets").fetchone()[0]
    recent = ids(demo_conn, "SELECT id FROM public_assets WHERE last_confirmed_at >= %s", (middle,))
    condition = {"op": ">=", "args": [{"property": "last_confirmed_at"}, {"timestamp": middle.isoformat()}]}
    assert recent and selected(demo_conn, ASSETS, json.dumps(condition), "cql2-json") == recent


def test_spatial_filters_select_what_postgis_selects(demo_conn):
    w, s, e, n = demo_conn.execute(
        "SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM (SELECT ST_Extent(geom) x FROM public_assets) e"
    ).fetchone()
    mid = (w + e) / 2
    west = ids(demo_conn, "SELECT id FROM public_assets WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
               (w, s, mid, n))
    assert 0 < len(west) < len(ids(demo_conn, "SELECT id FROM public_assets"))
    assert selected(demo_conn, ASSETS, f"S_INTERSECTS(geometry, BBOX({w}, {s}, {mid}, {n}))") == west
    assert selected(demo_conn, ASSETS, f"S_WITHIN(geometry, POLYGON(({w} {s}, {mid} {s}, {mid} {n}, {w} {n}, "
                                       f"{w} {s})))") <= west
    # catchments are stored in EPSG:27700: the literal is moved there, and still finds what covers the point
    hood = demo_conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(ST_Transform(geom_bng, 4326)) c "
                             "FROM public_catchments LIMIT 1) p").fetchone()
    covering = ids(demo_conn, "SELECT service_id FROM public_catchments WHERE ST_Intersects(geom_bng, "
                              "ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 27700))", hood)
    assert covering and selected(demo_conn, COLLECTIONS["catchments"],
                                 f"S_INTERSECTS(geometry, POINT({hood[0]} {hood[1]}))") == covering
