"""In Chromium: a resident changes an entry on the map; the public page keeps the approved version while a planner
looks at the change in the queue, and shows the change once it is approved. axe-clean on both new parts."""

from __future__ import annotations

import psycopg
import pytest

from assetmap.model import moderation, users
from assetmap.model.contributions import create_asset
from assetmap.model.submission import validate
from tests.helpers import PASSWORD, LiveServer, add_staff, cheap_hashes, running_app, sign_in_page

pytestmark = pytest.mark.browser

OLD, NEW = "Orchard Lane Repair Café", "Orchard Lane Repair Café and Tool Share"


@pytest.fixture
def changed_entry(fresh_demo_db_url, monkeypatch):
    """A published entry and its edit link, on a served copy of the demo town: (base url, asset id, public id,
    edit token)."""
    cheap_hashes(monkeypatch)
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        add_staff(conn)
        lon, lat = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c "
                                "FROM neighbourhoods ORDER BY code LIMIT 1) x").fetchone()
        made = create_asset(conn, validate(conn, {"name": OLD, "category": "community_centre", "lon": lon,
                                                  "lat": lat, "description": "Bring what is broken."}))
        moderation.moderate(conn, [made.id], "approve", None, users.authenticate(conn, "pat@example.org", PASSWORD))
    with running_app(fresh_demo_db_url, submit_rate="1000/hour") as app, LiveServer(app) as live:
        yield live.url, made.id, made.public_id, made.edit_token


def test_a_change_waits_in_the_queue_while_the_map_keeps_the_approved_entry(page, axe, changed_entry):
    url, asset_id, public_id, token = changed_entry
    page.goto(f"{url}/edit/{token}")
    page.fill("#name", NEW)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector(".notice")
    change = page.locator("#your-change").inner_text()
    assert "Your change is waiting to be checked" in change and "The published version stays on the map" in change
    assert NEW in change and page.input_value("#name") == NEW
    assert axe() == []

    page.goto(f"{url}/assets/{public_id}")
    assert page.locator("h1").inner_text() == OLD

    sign_in_page(page, url)
    page.goto(f"{url}/planner/moderation?sort=newest")
    item = page.locator(f"#asset-{asset_id}")
    assert "A change to an entry on the map." in item.inner_text()
    row = item.locator(".changes tr", has_text="Name")
    assert row.locator("del").inner_text() == OLD and row.locator("ins").inner_text() == NEW
    assert axe() == []
    item.get_by_role("button", name="Approve").click()
    page.wait_for_selector(".flash-success:has-text('Published 1 entry.')")

    page.goto(f"{url}/assets/{public_id}")
    assert page.locator("h1").inner_text() == NEW
    page.watch.assert_clean()
