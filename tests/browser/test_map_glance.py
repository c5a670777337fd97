"""The public map at a glance, in headless Chromium against the demo town (tiles: none): the status line in view,
markers by group shape with a ring for spare capacity, neutral clusters, neighbourhood names and shading."""

from __future__ import annotations

import pytest

from tests.browser.watch import DESKTOP

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAP = "window[document.getElementById('map-app').dataset.map]"


def open_map(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#map-app[data-state=ready]")
    page.wait_for_selector(".leaflet-container[data-neighbourhoods=ready]")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_the_status_line_is_in_view_without_scrolling(page, live_server, viewport):
    open_map(page, live_server.url + "/")
    status = page.locator("#map-status")
    assert status.inner_text().startswith("Showing ")
    box = status.bounding_box()
    assert box["height"] > 0 and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    assert page.evaluate("() => window.scrollY") == 0
    page.watch.assert_clean()


def assets_with_and_without_offers(conn):
    """(name, group shape, lat, lon, offers?) of two published assets that stand alone at high zoom."""
    return conn.execute("""
        SELECT DISTINCT ON (has_offers) a.name, g.shape, ST_Y(a.geom), ST_X(a.geom), has_offers
          FROM public_assets a
          JOIN categories c ON c.code = a.category JOIN category_groups g ON g.code = c.group_code
         CROSS JOIN LATERAL (SELECT EXISTS (SELECT FROM public_capacity_offers o WHERE o.asset_id = a.id)) x(has_offers)
         WHERE NOT EXISTS (SELECT 1 FROM public_assets b
                            WHERE b.id <> a.id AND ST_DWithin(a.geom::geography, b.geom::geography, 40))
         ORDER BY has_offers, a.id""").fetchall()


def test_a_marker_has_its_groups_shape_and_a_ring_when_it_offers_spare_capacity(page, live_server, demo_conn):
    found = assets_with_and_without_offers(demo_conn)
    assert [r[4] for r in found] == [False, True]
    for name, shape, lat, lon, offers in found:
        page.goto("about:blank")                 # a new page load, not a change of the address's #view
        open_map(page, f"{live_server.url}/#18/{lat}/{lon}")
        marker = page.get_by_role("button", name=name, exact=True)
        assert marker.locator("use.shape").get_attribute("href") == f"#shape-{shape}"
        assert marker.locator("circle.ring").count() == (1 if offers else 0), name
        assert ("offers-capacity" in marker.get_attribute("class")) == offers
    page.watch.assert_clean()


def test_clusters_are_neutral_discs_with_a_name(page, live_server):
    open_map(page, live_server.url + "/")
    cluster = page.locator(".marker-cluster.asset-cluster").first
    n = int(cluster.inner_text())
    assert cluster.get_attribute("aria-label") == f"{n} places here: press Enter to zoom in"
    colours = cluster.locator("div").evaluate("d => [getComputedStyle(d).backgroundColor, getComputedStyle(d).color]")
    assert colours == ["rgb(255, 255, 255)", "rgb(29, 29, 27)"]   # not any group's colour
    page.watch.assert_clean()


def visible_names(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll(".neighbourhood-label")]
        .filter(l => getComputedStyle(l).visibility === "visible").map(l => l.querySelector(".name").textContent)""")


def test_neighbourhood_names_show_when_zoomed_in(page, live_server, demo_conn):
    open_map(page, live_server.url + "/#12/52.62/-0.91")
    assert visible_names(page) == []
    page.evaluate(f"() => {MAP}.setZoom(14, {{animate: false}})")
    page.wait_for_function("() => document.querySelector('.show-neighbourhood-names')")
    names = set(visible_names(page))
    assert names and names <= {r[0] for r in demo_conn.execute("SELECT name FROM neighbourhoods")}
    page.watch.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE])
def test_neighbourhoods_shade_by_places_or_spare_capacity_per_1000_residents(page, live_server, demo_conn):
    open_map(page, live_server.url + "/")
    outlines = "[...document.querySelectorAll('#map-app .leaflet-overlay-pane path')]"
    fills = f"() => {outlines}.map(p => p.getAttribute('fill-opacity'))"
    assert set(page.evaluate(fills)) == {"0.03"}
    page.get_by_text("Shade neighbourhoods").click()
    page.get_by_label("Spare-capacity offers per 1,000 residents").check()
    legend = page.locator("#shade-legend")
    legend.wait_for()
    assert set(page.evaluate(fills)) == {"0.55"}
    shades = page.evaluate(f"() => new Set({outlines}.map(p => p.getAttribute('fill'))).size")
    assert shades == 5                                   # quintiles of thirty neighbourhoods
    items = legend.locator("li").all_inner_texts()
    assert len(items) == 5 and items[0].startswith("under ") and items[-1].endswith(" or more")
    # The labels carry each neighbourhood's figure, as the API counted it.
    name, rate = demo_conn.execute("""
        SELECT n.name, 1000.0 * count(o.id) / n.population FROM neighbourhoods n
          LEFT JOIN public_assets a ON a.neighbourhood_id = n.id
          LEFT JOIN public_capacity_offers o ON o.asset_id = a.id
         GROUP BY n.id ORDER BY n.code LIMIT 1""").fetchone()
    text = page.locator(".neighbourhood-label", has_text=name).first.locator(".rate").text_content()
    assert text.endswith(" per 1,000") and abs(float(text.split()[0]) - float(rate)) <= 0.05 + 1e-9, text

    page.get_by_label("Nothing: outlines only").check()
    assert legend.is_hidden() and set(page.evaluate(fills)) == {"0.03"}
    page.watch.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_the_map_page_with_its_key_and_shading_passes_axe(page, live_server, axe):
    open_map(page, live_server.url + "/")
    page.locator("#shade-details").evaluate("d => { d.open = true; }")
    page.get_by_label("Places per 1,000 residents").check()
    page.locator("#filter-details").evaluate("d => { d.open = true; }")
    assert axe() == []
    page.watch.assert_clean()
