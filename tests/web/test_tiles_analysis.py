"""The analyses' tile layers (/tiles/analysis/…), decoded with mapbox-vector-tile: planners only, the figures the
analyses give, the analyses' filters applied, empty tiles empty."""

from __future__ import annotations

import mapbox_vector_tile
import mercantile
import psycopg
import pytest

from assetmap.analysis import overlaps, spend
from assetmap.analysis.filters import Filters
from tests.helpers import add_staff, cheap_hashes, close_app, make_app, sign_in


@pytest.fixture
def client(fresh_demo_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        add_staff(conn)
    app = make_app(fresh_demo_db_url)
    yield app.test_client()
    close_app(app)


@pytest.fixture
def conn(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url) as c:
        yield c


def tiles_over(conn, z: int) -> list[tuple[int, int]]:
    """The tiles at zoom z over every catchment and neighbourhood."""
    w, s, e, n = conn.execute("""
        SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM (SELECT ST_Extent(g) AS x FROM (
            SELECT ST_Transform(geom, 4326) AS g FROM service_catchments UNION ALL SELECT geom FROM neighbourhoods) u) b
        """).fetchone()
    (x0, y0, _), (x1, y1, _) = mercantile.tile(w, n, z), mercantile.tile(e, s, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def features(client, layer: str, z: int, x: int, y: int, query: str = "") -> list[dict]:
    response = client.get(f"/tiles/analysis/{layer}/{z}/{x}/{y}.pbf{query}")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    assert "private" in response.headers["Cache-Control"]
    decoded = mapbox_vector_tile.decode(response.data)
    return decoded[layer]["features"] if decoded else []


def everywhere(client, conn, layer: str, z: int, query: str = "") -> list[dict]:
    return [f["properties"] for x, y in tiles_over(conn, z) for f in features(client, layer, z, x, y, query)]


def test_only_planners_read_analysis_tiles(client, conn):
    x, y = tiles_over(conn, 10)[0]
    for url in (f"/tiles/analysis/spend/10/{x}/{y}.pbf", "/tiles/analysis/spend.json"):
        assert client.get(url).status_code == 302   # to sign in
    facilitator = client.application.test_client()
    sign_in(facilitator, "fay@example.org")
    assert facilitator.get(f"/tiles/analysis/overlaps/10/{x}/{y}.pbf").status_code == 403
    sign_in(client)
    assert client.get(f"/tiles/analysis/overlaps/10/{x}/{y}.pbf").status_code == 200
    # neither route serves the other's layers
    assert client.get(f"/tiles/overlaps/10/{x}/{y}.pbf").status_code == 404
    assert client.get(f"/tiles/analysis/assets/10/{x}/{y}.pbf").status_code == 404


def test_overlap_tiles_carry_every_pair_with_its_population(client, conn):
    sign_in(client)
    pairs = {(r["service_a"], r["service_b"]): r for r in overlaps.overlaps(conn, geometry=False).rows}
    found = {}
    for p in everywhere(client, conn, "overlaps", 11):
        found[(p["service_a"], p["service_b"])] = p
    assert set(found) == set(pairs) and pairs
    for key, p in found.items():
        assert p["population_both"] == round(pairs[key]["population_both"])
        assert p["overlap_km2"] == pytest.approx(pairs[key]["overlap_km2"], abs=0.001)
        assert {p["name_a"], p["name_b"]} == {pairs[key]["name_a"], pairs[key]["name_b"]}


def test_overlap_tiles_take_the_analyses_filters(client, conn):
    sign_in(client)
    theme = conn.execute("SELECT theme FROM services WHERE status = 'active' GROUP BY 1 "
                         "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    expected = {(r["service_a"], r["service_b"])
                for r in overlaps.overlaps(conn, Filters(themes=(theme,)), geometry=False).rows}
    found = {(p["service_a"], p["service_b"]) for p in everywhere(client, conn, "overlaps", 11, f"?theme={theme}")}
    assert found == expected and expected
    x, y = tiles_over(conn, 11)[0]
    assert client.get(f"/tiles/analysis/overlaps/11/{x}/{y}.pbf?theme=nope").status_code == 400
    assert client.get(f"/tiles/analysis/overlaps/11/{x}/{y}.pbf?category=library").status_code == 400


def test_spend_tiles_give_each_neighbourhood_its_spend_per_head(client, conn):
    sign_in(client)
    group = conn.execute("SELECT g FROM services, unnest(client_groups) g GROUP BY 1 ORDER BY count(*) DESC "
                         "LIMIT 1").fetchone()[0]
    expected = {r["code"]: r for r in spend.spend(conn, Filters(client_groups=(group,)), geometry=False).rows}
    found = {p["code"]: p for p in everywhere(client, conn, "spend", 10, f"?client_group={group}")}
    assert set(found) == set(expected)
    for code, p in found.items():
        want = expected[code]["spend_per_head"]
        assert p.get("spend_per_head") == (None if want is None else pytest.approx(float(want)))


def test_analysis_catchments_by_agency_kind(client, conn):
    sign_in(client)
    kind = conn.execute("SELECT agency_kind FROM services WHERE status = 'active' GROUP BY 1 "
                        "ORDER BY count(*) LIMIT 1").fetchone()[0]
    expected = {r[0] for r in conn.execute("SELECT service_id FROM analysis_catchments(NULL, NULL, %s)", ([kind],))}
    found = {p["id"] for p in everywhere(client, conn, "analysis_catchments", 10, f"?agency_kind={kind}")}
    assert found == expected and expected


def test_empty_analysis_tiles_are_empty_and_tilejson_points_at_them(client):
    sign_in(client)
    for layer in ("overlaps", "spend", "analysis_catchments"):
        response = client.get(f"/tiles/analysis/{layer}/14/0/0.pbf")
        assert response.status_code == 200 and response.data == b""
    doc = client.get("/tiles/analysis/overlaps.json?theme=health").get_json()
    assert doc["vector_layers"][0]["id"] == "overlaps"
    assert doc["tiles"][0].endswith("/tiles/analysis/overlaps/{z}/{x}/{y}.pbf?theme=health")
