"""The public map, list and asset pages in headless Chromium, against the demo town (tiles: none)."""

from __future__ import annotations

import psycopg
import pytest

from assetmap import schedules
from tests.helpers import LiveServer, running_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

XSS = "<img src=x onerror=alert(1)>"

# Markers on the map: a cluster icon counts for its children, a single marker for one.
SHOWN = """() => {
    const map = document.getElementById("map-app");
    const clusters = [...map.querySelectorAll(".marker-cluster span")].reduce((n, s) => n + Number(s.textContent), 0);
    return clusters + map.querySelectorAll(".asset-marker").length;
}"""


def wait_until_shown(page, expected: int) -> None:
    """Wait until the map has loaded and shows exactly `expected` assets (clustered or not)."""
    page.wait_for_function(
        f"""n => {{
            const app = document.getElementById("map-app");
            return app.dataset.state === "ready" && Number(app.dataset.count) === n && ({SHOWN})() === n;
        }}""", arg=expected)


def in_view(page, conn, categories=None) -> int:
    """How many published assets lie in the bbox the page last asked the API for."""
    page.wait_for_selector("#map-app[data-state=ready]")
    minx, miny, maxx, maxy = map(float, page.get_attribute("#map-app", "data-bbox").split(","))
    where, params = "geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", [minx, miny, maxx, maxy]
    if categories is not None:
        where += " AND category = ANY(%s)"
        params.append(list(categories))
    return conn.execute(f"SELECT count(*) FROM public_assets WHERE {where}", params).fetchone()[0]


def categories_in_view(page, conn) -> list[tuple[str, int]]:
    minx, miny, maxx, maxy = map(float, page.get_attribute("#map-app", "data-bbox").split(","))
    return conn.execute(
        "SELECT category, count(*) FROM public_assets WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) "
        "GROUP BY 1 ORDER BY 2 DESC, 1", (minx, miny, maxx, maxy)).fetchall()


def test_map_shows_every_published_asset_in_view_clustered(page, live_server, demo_conn):
    page.goto(live_server.url + "/")
    page.wait_for_selector("#map-app[data-state=ready]")
    expected = in_view(page, demo_conn)
    assert expected >= 1
    wait_until_shown(page, expected)
    assert page.locator(".marker-cluster").count() >= 1          # the demo town is dense enough to cluster
    assert "place" in page.locator("#map-status").inner_text()
    # Neighbourhood outlines arrive from the API too.
    page.locator("#map-app .leaflet-overlay-pane path").first.wait_for(state="attached")
    assert not any("/api/v1/assets" in u and "category=" in u for u in page.watch.requests)
    page.watch.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE])
def test_category_filter_hides_and_shows_markers_on_a_phone(page, live_server, demo_conn):
    page.goto(live_server.url + "/")
    total = in_view(page, demo_conn)
    wait_until_shown(page, total)
    code, n = categories_in_view(page, demo_conn)[0]
    assert 0 < n < total

    page.get_by_text("Choose categories").click()
    box = page.locator(f'#category-filter input[value="{code}"]')
    box.uncheck()
    expected = in_view(page, demo_conn, categories=[c for c, _ in categories_in_view(page, demo_conn) if c != code])
    wait_until_shown(page, expected)
    assert any("category=" in u for u in page.watch.requests if "/api/v1/assets" in u)
    assert "of" in page.locator("#filter-count").inner_text()

    box.check()
    wait_until_shown(page, in_view(page, demo_conn))

    for other in page.locator('#category-filter input[name="category"]').all():
        other.uncheck()
    wait_until_shown(page, 0)
    assert page.locator(".marker-cluster, .asset-marker").count() == 0
    page.watch.assert_clean()


def lonely_asset(conn):
    """A published asset with offers and no neighbour within 40 m, so it stands alone at high zoom."""
    return conn.execute("""
        SELECT a.public_id, a.name, ST_Y(a.geom), ST_X(a.geom), c.label
          FROM public_assets a JOIN categories c ON c.code = a.category
         WHERE a.location_precision = 'exact'
           AND EXISTS (SELECT 1 FROM public_capacity_offers o WHERE o.asset_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM public_assets b
                            WHERE b.id <> a.id AND ST_DWithin(a.geom::geography, b.geom::geography, 40))
         ORDER BY a.id LIMIT 1""").fetchone()


def test_show_on_the_map_opens_the_entry_with_its_popup(page, live_server, demo_conn):
    """From an asset page, "Show on the map" lands on the entry with its popup open, even in a dense cluster."""
    public_id, name = demo_conn.execute("""
        SELECT a.public_id, a.name FROM public_assets a
         ORDER BY (SELECT count(*) FROM public_assets b WHERE ST_DWithin(a.geom, b.geom, 0.002)) DESC, a.public_id
         LIMIT 1""").fetchone()
    page.goto(f"{live_server.url}/assets/{public_id}")
    page.get_by_role("link", name="Show on the map").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert name in popup.inner_text()
    assert 15 <= int(page.evaluate("window[document.getElementById('map-app').dataset.map].getZoom()")) <= 19
    page.watch.assert_clean()


def test_a_marker_opens_a_popup_with_text_and_a_link(page, live_server, demo_conn):
    public_id, name, lat, lon, label = lonely_asset(demo_conn)
    page.goto(f"{live_server.url}/#18/{lat}/{lon}")
    page.wait_for_selector("#map-app[data-state=ready]")
    marker = page.get_by_role("button", name=name, exact=True)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert name in text and label in text and "Spare capacity" in text
    link = popup.get_by_role("link", name=f"More about {name}")
    assert link.get_attribute("href") == f"/assets/{public_id}"

    # The keyboard works too: close the popup, focus the marker, press Enter.
    page.get_by_role("button", name="Close popup").click()
    popup.wait_for(state="detached")
    marker.focus()
    page.keyboard.press("Enter")
    popup.wait_for()

    link.click()
    page.wait_for_url(f"**/assets/{public_id}")
    assert page.locator("h1").inner_text() == name
    page.watch.assert_clean()


def test_no_request_leaves_this_machine_when_tiles_are_none(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector("#map-app[data-state=ready]")
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(400)
    box = page.locator("#map-app").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 200, box["y"] + box["height"] / 2 + 100, steps=5)
    page.mouse.up()
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_load_state("networkidle")
    assert page.watch.requests and all(u.startswith(live_server.url + "/") for u in page.watch.requests)
    assert not any(u.endswith(".png") and "/vendor/" not in u for u in page.watch.requests)   # no tiles
    page.watch.assert_clean()


def test_list_and_asset_pages_load_cleanly_and_link_back_to_the_map(page, live_server):
    page.goto(live_server.url + "/assets")
    assert page.locator("h1").inner_text() == "List of places"
    first = page.locator(".asset-list a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/assets/*")
    assert page.locator("h1").inner_text() == name
    page.get_by_role("link", name="Show on the map").click()
    page.wait_for_selector("#map-app[data-state=ready]")
    assert page.evaluate("() => window[document.getElementById('map-app').dataset.map].getZoom()") >= 17
    page.watch.assert_clean()


@pytest.fixture
def xss_server(fresh_db_url):
    """A live server on a database of its own holding one asset whose name is HTML."""
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        public_id = conn.execute("""
            INSERT INTO assets (name, category, description, geom, status)
            VALUES (%s, 'other', %s, ST_SetSRID(ST_MakePoint(-1.1, 52.6), 4326), 'published')
            RETURNING public_id""", (XSS, "<script>alert(2)</script>")).fetchone()[0]
        conn.execute("""
            INSERT INTO capacity_offers (asset_id, kind, description, quantity, unit)
            SELECT id, 'space', '<img src=y onerror=alert(3)>', 5, 'places' FROM assets WHERE public_id = %s""",
                     (public_id,))
    with running_app(fresh_db_url) as app, LiveServer(app) as server:
        yield server, public_id


@pytest.mark.parametrize("viewport", [PHONE])
def test_html_in_an_asset_name_stays_text_everywhere(xss_server, page):   # page closes first
    server, public_id = xss_server
    page.goto(f"{server.url}/#18/52.6/-1.1")
    page.wait_for_selector("#map-app[data-state=ready]")
    page.get_by_role("button", name=XSS, exact=True).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert XSS in popup.inner_text()
    assert page.locator("img[src=x], img[src=y]").count() == 0

    page.goto(f"{server.url}/assets")
    assert page.get_by_role("link", name=XSS, exact=True).count() == 1
    page.goto(f"{server.url}/assets/{public_id}")
    assert page.locator("h1").inner_text() == XSS
    assert "<script>alert(2)</script>" in page.locator(".description").inner_text()
    assert page.locator("img[src=x], img[src=y]").count() == 0
    page.watch.assert_clean()                                    # no dialog fired anywhere


# One asset with offers of every sort: times or none, free or not. (kind, quantity, unit, schedule, cost)
TIMED_OFFERS = [("space", 12, "places", "Tu,Th 18:00-21:00", "free"),
                ("equipment", None, None, "Mo-Fr 09:00-17:00; PH off", "donation"),
                ("food", 30, "items", None, "subsidised")]


@pytest.fixture
def offers_server(fresh_db_url):
    """A live server on a database of its own holding one asset with the offers above, their words stored."""
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        asset = conn.execute("""
            INSERT INTO assets (name, category, geom, status)
            VALUES ('Busy Hall', 'other', ST_SetSRID(ST_MakePoint(-1.1, 52.6), 4326), 'published')
            RETURNING id""").fetchone()[0]
        for kind, quantity, unit, schedule, cost in TIMED_OFFERS:
            conn.execute("INSERT INTO capacity_offers (asset_id, kind, quantity, unit, schedule, schedule_text, cost) "
                         "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         (asset, kind, quantity, unit, schedule, schedules.words(schedule), cost))
    with running_app(fresh_db_url) as app, LiveServer(app) as server:
        yield server


def test_the_popup_says_when_and_what_it_costs_for_every_offer(offers_server, page):
    page.goto(f"{offers_server.url}/#18/52.6/-1.1")
    page.wait_for_selector("#map-app[data-state=ready]")
    page.get_by_role("button", name="Busy Hall", exact=True).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    items = [" ".join(t.split()) for t in popup.locator("li").all_inner_texts()]
    assert items == ["Space: 12 places, free Tuesdays and Thursdays, 6pm to 9pm",
                     "Equipment, donation welcome Mondays to Fridays, 9am to 5pm; closed on bank holidays",
                     "Food: 30 items, low cost (subsidised)"]
    assert popup.locator("li .offer-when").all_inner_texts() == [
        "Tuesdays and Thursdays, 6pm to 9pm", "Mondays to Fridays, 9am to 5pm; closed on bank holidays"]
    page.watch.assert_clean()
