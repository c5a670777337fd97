"""Vector tiles, decoded with mapbox-vector-tile (a decoder nobody here wrote): features where the assets are,
grid counts that add up to the points under them, filters applied, no private home's exact point, empty tiles
empty, and TileJSON that points at them."""

from __future__ import annotations

import math

import mapbox_vector_tile
import mercantile
import pytest

from assetmap import tiles

EXTENT = 4096


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    return mercantile.tile(lon, lat, z)[:2]


def lonlat(z: int, x: int, y: int, px: float, py: float) -> tuple[float, float]:
    """A position inside a tile (mapbox-vector-tile's default: y up from the bottom) → longitude, latitude."""
    n = 2 ** z
    fx, fy = x + px / EXTENT, y + 1 - py / EXTENT
    return fx / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * fy / n))))


def features(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.data)
    return next(iter(decoded.values()))["features"] if decoded else []


def town_tiles(demo_conn, z: int) -> list[tuple[int, int]]:
    w, s, e, n = demo_conn.execute("SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM "
                                   "(SELECT ST_Extent(geom) AS x FROM public_assets) b").fetchone()
    (x0, y0), (x1, y1) = tile_of(w, n, z), tile_of(e, s, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_points_are_where_the_public_assets_are(client, demo_conn):
    public_id, lon, lat = demo_conn.execute(
        "SELECT public_id::text, ST_X(geom), ST_Y(geom) FROM public_assets WHERE NOT is_private_home "
        "ORDER BY id LIMIT 1").fetchone()
    z = 16
    x, y = tile_of(lon, lat, z)
    found = {f["properties"]["id"]: f for f in features(client, f"/tiles/assets/{z}/{x}/{y}.pbf")}
    assert public_id in found
    px, py = found[public_id]["geometry"]["coordinates"]
    got = lonlat(z, x, y, px, py)
    assert abs(got[0] - lon) < 1e-5 and abs(got[1] - lat) < 1e-5   # within a tile unit (~0.15 m at z16)
    assert set(found[public_id]["properties"]) == {"id", "category", "capacity"}


@pytest.mark.parametrize("z", [8, 11])
def test_grid_counts_add_up_to_the_points_under_them(client, demo_conn, z):
    total = sum(f["properties"]["count"] for x, y in town_tiles(demo_conn, z)
                for f in features(client, f"/tiles/assets/{z}/{x}/{y}.pbf"))
    assert total == demo_conn.execute("SELECT count(*) FROM public_assets").fetchone()[0]
    one = features(client, "/tiles/assets/{}/{}/{}.pbf".format(z, *town_tiles(demo_conn, z)[0]))
    assert all(set(f["properties"]) == {"count"} for f in one)


def test_points_from_zoom_13_add_up_too(client, demo_conn):
    z = tiles.POINTS_FROM
    ids = [f["properties"]["id"] for x, y in town_tiles(demo_conn, z)
           for f in features(client, f"/tiles/assets/{z}/{x}/{y}.pbf")]
    assert len(ids) == len(set(ids)) == demo_conn.execute("SELECT count(*) FROM public_assets").fetchone()[0]


def test_the_category_filter_applies(client, demo_conn):
    z = 8
    counted = sum(f["properties"]["count"] for x, y in town_tiles(demo_conn, z)
                  for f in features(client, f"/tiles/assets/{z}/{x}/{y}.pbf?category=library"))
    assert counted == demo_conn.execute("SELECT count(*) FROM public_assets WHERE category = 'library'").fetchone()[0]
    z = 13
    cats = {f["properties"]["category"] for x, y in town_tiles(demo_conn, z)
            for f in features(client, f"/tiles/assets/{z}/{x}/{y}.pbf?category=library,park_green_space")}
    assert cats == {"library", "park_green_space"}
    assert client.get("/tiles/assets/8/1/1.pbf?category=nope").status_code == 400
    assert client.get("/tiles/assets/8/1/1.pbf?colour=red").status_code == 400


def test_no_tile_carries_a_private_homes_exact_point(client, demo_conn):
    homes = demo_conn.execute("""
        SELECT a.public_id::text, ST_X(a.geom), ST_Y(a.geom) FROM assets a
         WHERE a.status = 'published' AND a.is_private_home""").fetchall()
    assert homes, "the demo town has published private homes"
    for public_id, lon, lat in homes[:10]:
        for z in (13, 18, 22):
            x, y = tile_of(lon, lat, z)
            for f in features(client, f"/tiles/assets/{z}/{x}/{y}.pbf"):
                got = lonlat(z, x, y, *f["geometry"]["coordinates"])
                assert abs(got[0] - lon) > 1e-4 or abs(got[1] - lat) > 1e-4, (public_id, z)


def test_an_empty_tile_is_empty(client):
    response = client.get("/tiles/assets/14/0/0.pbf")   # the Arctic Ocean, north of Alaska
    assert response.status_code == 200 and response.data == b""


def test_tiles_revalidate_with_an_etag(client, demo_conn):
    x, y = town_tiles(demo_conn, 10)[0]
    first = client.get(f"/tiles/assets/10/{x}/{y}.pbf")
    assert first.headers["ETag"] and "no-cache" in first.headers["Cache-Control"]
    again = client.get(f"/tiles/assets/10/{x}/{y}.pbf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_neighbourhood_boundaries(client, demo_conn):
    z = 12
    codes = {f["properties"]["code"] for x, y in town_tiles(demo_conn, z)
             for f in features(client, f"/tiles/neighbourhoods/{z}/{x}/{y}.pbf")}
    assert codes == {r[0] for r in demo_conn.execute("SELECT code FROM neighbourhoods")}


def test_tilejson_points_at_the_tiles(client):
    doc = client.get("/tiles/assets.json?category=library").get_json()
    assert doc["tilejson"] == "3.0.0" and doc["vector_layers"][0]["id"] == "assets"
    assert doc["tiles"][0].endswith("/tiles/assets/{z}/{x}/{y}.pbf?category=library")
    assert len(doc["bounds"]) == 4 and doc["bounds"][0] < doc["bounds"][2]


@pytest.mark.parametrize("url, status", [("/tiles/assets/23/0/0.pbf", 400), ("/tiles/assets/2/4/0.pbf", 404),
                                         ("/tiles/nothing/1/0/0.pbf", 404), ("/tiles/nothing.json", 404)])
def test_bad_tiles_are_refused(client, url, status):
    assert client.get(url).status_code == status


def test_capacity_offers_at_their_assets_public_points(client, demo_conn):
    z = tiles.POINTS_FROM
    found = [f["properties"] for x, y in town_tiles(demo_conn, z)
             for f in features(client, f"/tiles/capacity/{z}/{x}/{y}.pbf?kind=space")]
    offers = demo_conn.execute("SELECT count(*) FROM public_capacity_offers WHERE kind = 'space'").fetchone()[0]
    assert len(found) == offers and {p["kind"] for p in found} == {"space"}
    assert set(found[0]) >= {"id", "asset", "kind"}


def test_service_sites_leave_out_home_visits(client, demo_conn):
    z = tiles.POINTS_FROM
    found = [f["properties"] for x, y in town_tiles(demo_conn, z)
             for f in features(client, f"/tiles/service_sites/{z}/{x}/{y}.pbf")]
    expected = demo_conn.execute("SELECT count(*) FROM service_sites t JOIN services s ON s.id = t.service_id "
                                 "WHERE s.status = 'active' AND t.kind <> 'home_visit'").fetchone()[0]
    assert len(found) == expected and "home_visit" not in {p["kind"] for p in found}
    assert demo_conn.execute("SELECT count(*) FROM service_sites WHERE kind = 'home_visit'").fetchone()[0] > 0


def test_catchments_by_theme(client, demo_conn):
    theme = demo_conn.execute("SELECT theme FROM services WHERE status = 'active' GROUP BY 1 "
                              "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    z = 11
    ids = {f["properties"]["id"] for x, y in town_tiles(demo_conn, z)
           for f in features(client, f"/tiles/catchments/{z}/{x}/{y}.pbf?theme={theme}")}
    expected = {r[0] for r in demo_conn.execute(
        "SELECT c.service_id FROM service_catchments c JOIN services s ON s.id = c.service_id "
        "WHERE s.status = 'active' AND s.theme = %s", (theme,))}
    assert ids == expected


@pytest.mark.parametrize("name", [n for n, info in tiles.LAYERS.items() if info.shape == "points" and not info.private])
def test_point_features_carry_the_fields_their_tilejson_names(client, demo_conn, name):
    """Points name their properties from the layer's fields (no jsonb of each row): the two must agree, and the
    values be the source's."""
    z = tiles.POINTS_FROM
    found = [f["properties"] for x, y in town_tiles(demo_conn, z)
             for f in features(client, f"/tiles/{name}/{z}/{x}/{y}.pbf")]
    fields = set(client.get(f"/tiles/{name}.json").get_json()["vector_layers"][0]["fields"]) - {"count"}
    assert found and all(set(p) <= fields for p in found) and set().union(*found) == fields
    if name == "assets":
        row = demo_conn.execute("SELECT public_id::text, category, jsonb_array_length(capacity) > 0 FROM public_assets "
                                "ORDER BY id LIMIT 1").fetchone()
        assert {"id": row[0], "category": row[1], "capacity": row[2]} in found
