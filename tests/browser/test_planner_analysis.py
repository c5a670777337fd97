"""The three analysis pages in Chromium on the demo town: the map draws its layer, the legend is there with its
unit, a row chosen in a table changes the map, nothing errs, and axe-core finds nothing."""

from __future__ import annotations

import psycopg
import pytest

from tests.helpers import LiveServer, add_staff, running_app, scratch_database, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def analysis_server(admin_url, demo_template):
    with scratch_database(admin_url, demo_template) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            add_staff(conn)
        with running_app(url) as app, LiveServer(app) as live:
            yield live.url


@pytest.fixture
def planner_page(page, analysis_server):
    sign_in_page(page, analysis_server)
    return page


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#analysis[data-state=ready]")


def paths(page, css: str) -> int:
    return page.locator(f".leaflet-overlay-pane path{css}").count()


def test_overlaps_page(planner_page, axe, analysis_server):
    page = planner_page
    open_page(page, analysis_server + "/planner/overlaps")
    # The choropleth: one shaded path per neighbourhood, and a legend in services.
    assert paths(page, ".leaflet-interactive") == 30
    assert "Services reaching each neighbourhood" in page.locator("#legend").inner_text()
    assert page.locator("#legend li").count() >= 2
    rows = page.locator("#pooling-table tbody tr")
    assert rows.count() > 10
    assert axe() == []

    # Choosing a pair draws both catchments and the area they share.
    assert paths(page, ".pair-catchment") == 0
    first = rows.first.get_by_role("button")
    first.click()
    page.wait_for_selector("#analysis[data-pair][data-state=ready]")
    assert paths(page, ".pair-catchment") == 2
    assert paths(page, ".pair-overlap") == 1
    assert first.get_attribute("aria-pressed") == "true"

    # Shading by agencies changes the legend; every catchment's outline comes on demand.
    page.get_by_label("Agencies that reach it").check()
    assert "Agencies reaching" in page.locator("#legend").inner_text()
    # (vector tiles of the analyses' catchments, drawn on canvases, with the page's filters)
    with page.expect_response(lambda r: "/tiles/analysis/analysis_catchments/" in r.url and r.status == 200):
        page.get_by_label("Show every catchment's outline").check()
    page.locator(".leaflet-tiles-analysis_catchments-pane canvas.leaflet-tile").first.wait_for(state="attached")
    assert not any("/planner/analysis/catchments.geojson" in u and "services=" not in u for u in page.watch.requests)

    # A neighbourhood's services by theme and client group.
    page.locator("#density-table tbody tr").first.get_by_role("button").click()
    assert "Services by theme" in page.locator("#density-details").inner_text()
    assert axe() == []
    page.watch.assert_clean()


def test_the_overlaps_map_draws_every_shared_area_from_tiles(planner_page, analysis_server):
    page = planner_page
    open_page(page, analysis_server + "/planner/overlaps?client_group=older_people")
    first = page.locator("#pooling-table tbody tr").first
    first.get_by_role("button").click()   # the map fits the pair
    page.wait_for_selector("#analysis[data-pair][data-state=ready]")
    page.locator(".leaflet-control-layers").hover()
    with page.expect_response(lambda r: "/tiles/analysis/overlaps/" in r.url and r.status == 200) as tile:
        page.get_by_label("Every area two catchments share").check()
    assert "client_group=older_people" in tile.value.url   # the page's filters reach the tiles
    page.locator(".leaflet-tiles-overlaps-pane canvas.leaflet-tile-loaded").first.wait_for()
    page.wait_for_function("() => !document.querySelector("
                           "'.leaflet-tiles-overlaps-pane canvas.leaflet-tile:not(.leaflet-tile-loaded)')")
    # A shared area on the map says which pair shares it and who lives there: click inside the chosen pair's
    # (drawn apart, as a path; other pairs may share the same spot).
    page.mouse.move(0, 0)
    popup = page.locator(".leaflet-popup-content .shared-area")
    for _ in range(10):   # the tiles under the centre may still be drawing their canvases
        box = page.locator(".leaflet-overlay-pane path.pair-overlap").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            popup.first.wait_for(timeout=1000)
            break
        except Exception:   # noqa: BLE001 (Playwright's TimeoutError: try again)
            continue
    said = popup.first.inner_text()
    assert " and " in said.splitlines()[0] and "km²" in said and "people live" in said
    page.watch.assert_clean()


def test_spend_page(planner_page, axe, analysis_server):
    page = planner_page
    open_page(page, analysis_server + "/planner/spend")
    assert paths(page, ".leaflet-interactive") == 30
    assert "per resident (£)" in page.locator("#legend").inner_text()
    assert "falls outside every neighbourhood" in page.locator("#spend-summary").inner_text()
    assert axe() == []

    # Choosing a neighbourhood outlines it on the map and shows its spend by agency and theme.
    before = page.locator(".leaflet-overlay-pane path[stroke-width='4']").count()
    row = page.locator("#spend-table tbody tr").nth(2)
    name = row.get_by_role("button").inner_text()
    row.get_by_role("button").click()
    assert before == 0
    assert page.locator(".leaflet-overlay-pane path[stroke-width='4']").count() == 1
    text = page.locator("#breakdown").inner_text()
    assert name in text and "By kind of agency" in text and "By theme" in text
    assert axe() == []
    page.watch.assert_clean()


def test_capacity_page(planner_page, axe, analysis_server):
    page = planner_page
    open_page(page, analysis_server + "/planner/capacity")
    assert page.locator("#show-kind option").count() >= 3
    page.select_option("#show-kind", label="Space (place-hours a week)")
    page.wait_for_selector("#analysis[data-kind='space/place_hours_per_week']")
    assert "place-hours a week" in page.locator("#legend").inner_text()
    assert paths(page, ".link-line") > 0
    assert page.locator("#links-table tbody tr").count() == paths(page, ".link-line")
    assert "The suggested links meet" in page.locator("#capacity-summary").inner_text()
    assert axe() == []

    # A suggested link chosen in the table is drawn over the map.
    assert paths(page, ".chosen-line") == 0
    page.locator("#links-table tbody tr").first.get_by_role("button").click()
    assert paths(page, ".chosen-line") == 1
    # So is a direct match.
    matches = page.locator("#matches-table tbody tr")
    assert matches.count() > 0
    matches.first.get_by_role("button").click()
    assert paths(page, ".chosen-line") == 1
    assert axe() == []
    page.watch.assert_clean()


@pytest.mark.parametrize("path", ["/planner/overlaps?theme=health", "/planner/capacity?kind=space"])
def test_filtered_pages_fetch_filtered_tables(planner_page, analysis_server, path):
    page = planner_page
    open_page(page, analysis_server + path)
    wanted = path.split("?")[1]
    fetched = [u for u in page.watch.requests if "/planner/analysis/" in u]
    assert fetched and all(wanted in u for u in fetched), fetched
    page.watch.assert_clean()
