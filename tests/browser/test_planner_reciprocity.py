"""The co-production audit in Chromium, on the demo town with exchanges written by hand: the flows are drawn (one
line and one arrow per flow between two neighbourhoods, a ring per flow within one), the legend and the key
figures are there, the chart has a bar per month, a flow chosen in the table is drawn over the map, the print
view drops the controls; nothing errs and axe-core finds nothing."""

from __future__ import annotations

import psycopg
import pytest

from tests.analysis.exchanges import add_exchange
from tests.helpers import LiveServer, add_staff, running_app, scratch_database, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def audit_server(admin_url, demo_template):
    with scratch_database(admin_url, demo_template) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            add_staff(conn)
            # one published asset in each of four neighbourhoods
            places = conn.execute("""
                SELECT DISTINCT ON (neighbourhood_id) id, neighbourhood_id FROM assets
                 WHERE status = 'published' AND neighbourhood_id IS NOT NULL
                 ORDER BY neighbourhood_id, id LIMIT 4""").fetchall()
            (a, na), (b, nb), (c, nc), (_, nd) = places
            for asset, receiver, hours, organisation, ended in (
                    (a, nb, 6, "Friends of the Park", "2025-01-15"), (a, nb, 2, "", "2025-02-03"),
                    (b, na, 3, "Tenants' Association", "2025-02-20"), (b, nc, 1.5, "", "2025-03-01"),
                    (c, nd, 4, "<b>Youth Club</b>", "2025-03-09"), (c, nc, 2, "", "2025-05-30")):
                add_exchange(conn, asset, receiver=receiver, hours=hours, organisation=organisation, ended=ended,
                             people=3)
            add_exchange(conn, a, receiver=nd, hours=40, status="recorded", ended="2025-01-02")
        with running_app(url) as app, LiveServer(app) as live:
            yield live.url


@pytest.fixture
def planner_page(page, audit_server):
    sign_in_page(page, audit_server)
    return page


def paths(page, css: str) -> int:
    return page.locator(f".leaflet-overlay-pane path{css}").count()


def test_audit_page(planner_page, axe, audit_server):
    page = planner_page
    page.goto(audit_server + "/planner/reciprocity")
    page.wait_for_selector("#analysis[data-state=ready]")
    # four flows between neighbourhoods (a→b twice is one flow), each with an arrow, and one within c's
    assert paths(page, ".flow-line") == 4
    assert paths(page, ".flow-arrow") == 4
    assert paths(page, ".flow-within") == 1
    assert page.locator("#flows-table tbody tr").count() == 5
    assert "Hours given by each neighbourhood" in page.locator("#legend").inner_text()
    assert "the widest, 8 hours" in page.locator("#legend").inner_text()
    figures = page.locator("#totals").inner_text()
    assert "18.5 hours" in figures and "Crossing a neighbourhood boundary\n5 (83%)" in figures
    assert "January 2025 to May 2025" in page.locator("#report-scope").inner_text()
    # a bar a month, April's empty one included; the organisation typed with markup stays text
    assert page.locator("#trend-chart rect.trend-bar").count() == 5
    assert page.locator("#trends-table tbody tr").count() == 5
    assert page.locator("#organisations-table").get_by_text("<b>Youth Club</b>").count() == 1
    assert axe() == []

    page.get_by_label("Hours received").check()
    page.wait_for_selector("#analysis[data-shade=hours_received]")
    assert "Hours received by each neighbourhood" in page.locator("#legend").inner_text()
    assert paths(page, ".chosen-line") == 0
    page.locator("#flows-table tbody tr").first.get_by_role("button").click()
    assert paths(page, ".chosen-line") == 1
    assert axe() == []

    # Printed: the scope, key figures, map and tables, without the menus, filters and buttons.
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert not page.locator(".staff-menu").is_visible()
    assert not page.locator("#print-report").is_visible()
    assert page.locator("#totals").is_visible() and page.locator("#organisations-table").is_visible()
    assert page.get_by_text("Printed from AssetMap on").is_visible()
    page.watch.assert_clean()


def test_filtered_audit_fetches_filtered_tables(planner_page, audit_server):
    page = planner_page
    page.goto(audit_server + "/planner/reciprocity?from=2025-03&to=2025-03")
    page.wait_for_selector("#analysis[data-state=ready]")
    fetched = [u for u in page.watch.requests if "/planner/analysis/" in u]
    assert len(fetched) == 4 and all("from=2025-03&to=2025-03" in u for u in fetched), fetched
    assert "March 2025" in page.locator("#report-scope").inner_text()
    assert page.locator("#trend-chart rect.trend-bar").count() == 1
    assert paths(page, ".flow-line") == 2
    page.watch.assert_clean()
