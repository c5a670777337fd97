"""The public map above its tile switch (ASSETMAP_MAP_TILES_ABOVE, here 10 so the demo town is over it): the places
come from vector tiles on a canvas, not from the assets API; a dot opens the API's popup; the category filter
rewrites the tiles' URL; no console error, nothing from another host."""

from __future__ import annotations

import pytest

from tests.helpers import LiveServer, running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tile_server(demo_db_url):
    with running_app(demo_db_url, map_tiles_above=10) as app, LiveServer(app) as live:
        yield live


def test_the_map_draws_from_tiles_above_the_switch(page, tile_server, demo_conn):
    name, lon, lat = demo_conn.execute(
        "SELECT name, ST_X(geom), ST_Y(geom) FROM public_assets WHERE NOT is_private_home ORDER BY id LIMIT 1"
    ).fetchone()
    page.goto(f"{tile_server.url}/")
    page.wait_for_selector("#map-app[data-state=ready]")
    assert page.locator("#map-app").get_attribute("data-tiles-layer")
    assert page.locator("canvas.leaflet-tile").count() > 0
    assert "the list of places" in page.locator(".map-scale-note").inner_text()
    requested = page.watch.requests
    assert any("/tiles/assets/" in r for r in requested)
    assert not any("/api/v1/assets?" in r for r in requested)   # no paging of GeoJSON at this scale

    # Close up, the dot of a known place opens its popup, fetched from the API.
    with page.expect_response(lambda r: "/tiles/assets/18/" in r.url):
        page.goto(f"{tile_server.url}/#18/{lat:.6f}/{lon:.6f}")
    page.wait_for_selector("#map-app[data-state=ready]")
    box = page.locator("#map-app .folium-map").bounding_box()
    popup = page.locator(".leaflet-popup-content h2", has_text=name)
    for _ in range(10):   # the tile under the centre may still be drawing its canvas
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            popup.wait_for(timeout=1000)
            break
        except Exception:   # noqa: BLE001 (Playwright's TimeoutError: try again)
            continue
    popup.wait_for()

    # The filter: untick everything but libraries, and the tiles follow.
    # (open already: a wide screen shows the filter beside the map)
    boxes = page.locator('#category-filter input[name="category"]')
    for i in range(boxes.count()):
        if boxes.nth(i).get_attribute("value") != "library":
            boxes.nth(i).uncheck()
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_timeout(500)
    assert any("/tiles/assets/" in r and "category=library" in r for r in page.watch.requests)
    page.watch.assert_clean()
