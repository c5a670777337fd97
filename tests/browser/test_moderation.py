"""A planner works through the queue in Chromium: filters, tick-all, merge with confirmation and undo; axe-clean."""

from __future__ import annotations

import psycopg
import pytest

from assetmap.model import users
from assetmap.model.contributions import create_asset
from assetmap.model.submission import validate
from tests.helpers import PASSWORD, LiveServer, add_staff, cheap_hashes, running_app, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def queue_server(fresh_demo_db_url, monkeypatch):
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        add_staff(conn)
        lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM assets WHERE status = 'published' "
                                "ORDER BY id LIMIT 1").fetchone()
        keep = conn.execute("SELECT name FROM assets WHERE status = 'published' ORDER BY id LIMIT 1").fetchone()[0]
        twin = create_asset(conn, validate(conn, {"name": keep, "category": "community_centre", "lon": lon,
                                                  "lat": lat + 0.0002})).id
    with running_app(fresh_demo_db_url) as app, LiveServer(app) as live:
        yield live.url, fresh_demo_db_url, twin




def test_the_queue_from_a_browser(page, axe, queue_server):
    url, db_url, twin = queue_server
    page.goto(url + "/sign-in")
    assert axe() == []
    sign_in_page(page, url)
    assert axe() == []

    # Tick-all ticks exactly the entries on this page, and unticking one leaves it mixed.
    boxes = page.locator("input[name=asset_id][form=bulk]")
    page.get_by_label("Tick all").check()
    assert boxes.count() > 1 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    boxes.first.uncheck()
    assert page.locator("#select-all").evaluate("el => el.indeterminate")

    # Filters keep the page's place; a source filter narrows the list.
    page.select_option("#f-sort", "newest")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**sort=newest**")
    assert axe() == []

    # Merge asks first, then can be undone from the history.
    page.locator(f"#asset-{twin}").get_by_role("button", name="Merge into").click()
    page.wait_for_selector("h1:has-text('Merge')")
    assert axe() == []
    page.get_by_role("button", name="Merge them").click()
    page.wait_for_selector(".flash-success")
    assert "sort=newest" in page.url
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT status FROM assets WHERE id = %s", (twin,)).fetchone()[0] == "archived"
    page.get_by_role("button", name="Undo this merge").click()
    page.wait_for_selector(".flash-success:has-text('Undid the merge')")
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT status FROM assets WHERE id = %s", (twin,)).fetchone()[0] == "pending"
    assert axe() == []
    page.watch.assert_clean()


def test_public_and_staff_pages_pass_axe(page, axe, queue_server):
    url, db_url, _ = queue_server
    with psycopg.connect(db_url, autocommit=True) as conn:
        users.add_user(conn, "ada@example.org", PASSWORD, "admin", "Ada")
        public_id = conn.execute("SELECT public_id FROM public_assets ORDER BY public_id LIMIT 1").fetchone()[0]
    found = {}
    for path in ("/assets", f"/assets/{public_id}"):
        page.goto(url + path)
        found[path] = axe()
    sign_in_page(page, url, "ada@example.org")
    for path in ("/admin/users", "/planner/data", "/planner/data/import"):
        page.goto(url + path)
        found[path] = axe()
    page.goto(url + "/admin/users")
    page.get_by_role("button", name="Make a token").first.click()
    page.wait_for_selector("#token-value")
    found["a new token"] = axe()
    assert {k: v for k, v in found.items() if v} == {}
    page.watch.assert_clean()
