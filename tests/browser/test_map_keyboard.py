"""The public map from a keyboard alone, in headless Chromium against the demo town (tiles: none)."""

from __future__ import annotations

import pytest

from tests.browser.watch import DESKTOP

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# What has focus, in words a failure message can show.
FOCUSED = """() => {
    const a = document.activeElement;
    const kind = a.closest(".leaflet-control-zoom") ? "zoom" : a.classList.contains("marker-cluster") ? "cluster"
        : a.classList.contains("asset-marker") ? "marker" : a.classList.contains("leaflet-container") ? "map"
        : a.tagName === "path" ? "outline" : a.tagName.toLowerCase();
    return kind + ": " + (a.getAttribute("aria-label") || a.getAttribute("title") || a.textContent || "").trim()
        .slice(0, 40);
}"""
ZOOM = "() => window[document.getElementById('map-app').dataset.map].getZoom()"


def open_map(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_selector(".leaflet-container[data-neighbourhoods=ready]")   # outlines drawn: they could be stops


def tab(page) -> str:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_the_first_cluster_is_a_few_tab_presses_from_page_load(page, live_server):
    open_map(page, live_server.url + "/")
    stops = [tab(page)]
    assert stops[0] == "a: Skip to the map"
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED).startswith("map:")
    while not stops[-1].startswith("cluster:") and len(stops) < 20:
        stops.append(tab(page))
    assert stops[1:3] == ["zoom: Zoom in", "zoom: Zoom out"], stops
    assert stops[-1].startswith("cluster:") and "places here" in stops[-1], stops
    assert len(stops) <= 8, stops          # Tab presses, with one Enter on the skip link
    assert not page.evaluate("() => window.location.hash").startswith("#map")   # the address keeps the view's
    page.watch.assert_clean()


def test_neighbourhood_outlines_are_not_tab_stops(page, live_server):
    open_map(page, live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    stops = []
    while len(stops) < 200:
        stops.append(tab(page))
        if not page.evaluate("() => !!document.activeElement.closest('.leaflet-container')"):
            break                                   # out of the map: every stop in it has been seen
    assert len(stops) < 200 and any(s.startswith("cluster:") for s in stops)
    assert not [s for s in stops if s.startswith("outline")], stops
    page.watch.assert_clean()


@pytest.mark.parametrize("key", ["Enter", " "])
def test_enter_or_space_on_a_cluster_zooms_in_and_keeps_focus_in_the_map(page, live_server, key):
    open_map(page, live_server.url + "/")
    before = page.evaluate(ZOOM)
    cluster = page.locator(".marker-cluster").first
    cluster.focus()
    page.keyboard.press(key)
    page.wait_for_function(f"() => ({ZOOM})() > {before}")
    assert page.evaluate(FOCUSED).startswith("map:")
    assert page.evaluate("() => window.scrollY") == 0            # Space did not scroll the page
    page.wait_for_selector("#map-app[data-state=ready]")
    page.watch.assert_clean()


def lonely_asset(conn):
    """A published asset with no neighbour within 40 m, so it stands alone at high zoom."""
    return conn.execute("""
        SELECT a.name, ST_Y(a.geom), ST_X(a.geom)
          FROM public_assets a
         WHERE a.location_precision = 'exact'
           AND NOT EXISTS (SELECT 1 FROM public_assets b
                            WHERE b.id <> a.id AND ST_DWithin(a.geom::geography, b.geom::geography, 40))
         ORDER BY a.id LIMIT 1""").fetchone()


@pytest.mark.parametrize("key", ["Enter", " "])
def test_a_popup_opened_from_the_keyboard_takes_focus_and_escape_gives_it_back(page, live_server, demo_conn, key):
    name, lat, lon = lonely_asset(demo_conn)
    open_map(page, f"{live_server.url}/#18/{lat}/{lon}")
    marker = page.get_by_role("button", name=name, exact=True)
    marker.focus()
    page.keyboard.press(key)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.evaluate("el => el.contains(document.activeElement)")
    assert tab(page) == f"a: More about {name}"                  # the popup's link is the next stop

    page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    assert marker.evaluate("el => el === document.activeElement")
    page.watch.assert_clean()


def test_the_close_button_gives_focus_back_to_the_marker(page, live_server, demo_conn):
    name, lat, lon = lonely_asset(demo_conn)
    open_map(page, f"{live_server.url}/#18/{lat}/{lon}")
    marker = page.get_by_role("button", name=name, exact=True)
    marker.focus()
    page.keyboard.press("Enter")
    close = page.get_by_role("button", name="Close popup")
    close.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for(state="detached")
    assert marker.evaluate("el => el === document.activeElement")
    page.watch.assert_clean()
