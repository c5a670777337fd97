"""The holder of an entry that is due confirms it from a phone with one tap on the edit page, and from a reminder's
link (axe-core on both pages, at a phone's width)."""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.model import contributions, freshness
from assetmap.model.submission import validate
from tests.helpers import LiveServer, running_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAIL = {"smtp_url": "smtp://127.0.0.1:2525", "public_url": "https://assets.example.org"}


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def server(fresh_demo_db_url):
    with running_app(fresh_demo_db_url, **MAIL) as app, LiveServer(app) as live:
        live.settings = app.config["ASSETMAP"]
        yield live


def add_due_entry(db, name: str) -> contributions.Created:
    where = db.execute("SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_PointOnSurface(geom) c "
                       "FROM neighbourhoods ORDER BY code LIMIT 1) x").fetchone()
    data = {"name": name, "category": "community_centre", "contact_email": "hall@example.org", **where,
            "capacity": [{"kind": "space", "quantity": 20, "unit": "places", "schedule": "Tu 18:00-21:00"}]}
    created = contributions.create_asset(db, validate(db, data), status="published")
    db.execute("UPDATE assets SET last_confirmed_at = now() - interval '200 days' WHERE id = %s", (created.id,))
    return created


def confirmed(db, asset_id):
    return db.execute("SELECT last_confirmed_at FROM assets WHERE id = %s", (asset_id,)).fetchone()["last_confirmed_at"]


def test_one_tap_on_the_edit_page_confirms_a_due_entry_on_a_phone(phone, server, db):
    created = add_due_entry(db, "Riverside Hall")
    page = phone
    page.goto(f"{server.url}/edit/{created.edit_token}")
    block = page.locator("#confirm-block")
    assert "Please check this entry is still right" in block.inner_text()
    button = block.get_by_role("button", name="Still right")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44 and box["y"] + box["height"] <= PHONE["height"] * 2

    with page.expect_navigation():
        button.tap()   # the one tap
    when = confirmed(db, created.id)
    assert freshness.state(when, server.settings) == "fresh"
    assert page.url == f"{server.url}/edit/{created.edit_token}"
    notice = page.get_by_role("status").filter(has_text="Thank you")
    assert notice.inner_text() == f"Thank you — marked as still right on {freshness.long_date(when)}."
    assert page.locator("#confirm-block").inner_text().startswith(f"Last confirmed: {freshness.long_date(when)}.")
    page.watch.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE])
def test_a_reminders_link_confirms_and_both_pages_pass_axe(page, server, db, axe):
    created = add_due_entry(db, "Canal Boat Club")
    page.goto(f"{server.url}/edit/{created.edit_token}")
    assert page.locator("#confirm-block h2").inner_text() == "Please check this entry is still right"
    assert axe() == []

    assert freshness.queue_reminders(db, server.settings) >= 1
    body = db.execute("SELECT body FROM outbox WHERE subject LIKE '%Canal Boat Club%'").fetchone()["body"]
    path = re.search(r"https://assets\.example\.org(/confirm/\S+)", body).group(1)
    page.goto(server.url + path)
    assert page.locator("h1").inner_text() == "Is Canal Boat Club still right?"
    assert axe() == []
    page.get_by_role("button", name="Still right").click()
    page.wait_for_selector(".confirmation-panel")
    assert "Canal Boat Club is marked as still right" in page.locator(".confirmation-panel").inner_text()
    assert freshness.state(confirmed(db, created.id), server.settings) == "fresh"
    assert axe() == []
    page.watch.assert_clean()
