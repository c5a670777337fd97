"""Keeping the map fresh through the web: "still right" on the edit page, a reminder's one-time link, and the
planners' staleness report; through Flask's test client on a copy of the demo town."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape

from assetmap.model import contributions, freshness
from assetmap.model.submission import validate
from tests.helpers import CSRF, XSS, csrf_token, running_app

MAIL = {"smtp_url": "smtp://127.0.0.1:2525", "public_url": "https://assets.example.org"}
LINK = re.compile(r"https://assets\.example\.org(/confirm/[A-Za-z0-9_-]+)")


@pytest.fixture
def site(fresh_demo_db_url, staff_demo_db):
    with running_app(fresh_demo_db_url, **MAIL) as application:
        yield application


@pytest.fixture
def client(site):
    return site.test_client()


@pytest.fixture
def db(staff_demo_db):
    return staff_demo_db


def add(db, name="St Mary's Hall", status="published", age=None) -> contributions.Created:
    lon, lat = db.execute("SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_PointOnSurface(geom) c "
                          "FROM neighbourhoods ORDER BY code LIMIT 1) x").fetchone().values()
    data = {"name": name, "category": "community_centre", "lon": lon, "lat": lat, "contact_email": "hall@example.org",
            "capacity": [{"kind": "space", "quantity": 10, "unit": "places", "schedule": "Tu 18:00-21:00"}]}
    created = contributions.create_asset(db, validate(db, data), status=status)
    if age is not None:
        db.execute("UPDATE assets SET last_confirmed_at = now() - %s WHERE id = %s", (age, created.id))
    return created


def last_confirmed(db, asset_id):
    return db.execute("SELECT last_confirmed_at FROM assets WHERE id = %s", (asset_id,)).fetchone()["last_confirmed_at"]


def private(response) -> bool:
    return (response.headers["Referrer-Policy"] == "no-referrer"
            and response.headers["Cache-Control"] == "no-store")


# -- the edit page --------------------------------------------------------------------------------------------------

def test_the_edit_page_asks_for_a_confirmation_when_it_is_due_and_one_tap_gives_it(client, db):
    created = add(db, age=timedelta(days=200))
    edit = f"/edit/{created.edit_token}"
    page = client.get(edit).get_data(as_text=True)
    assert "Please check this entry is still right" in page
    before = last_confirmed(db, created.id)
    assert f"It was last confirmed on {freshness.long_date(before)}" in page
    assert f'action="{edit}/confirm"' in page

    response = client.post(f"{edit}/confirm", data={"csrf_token": CSRF.search(page).group(1)})
    assert response.status_code == 303 and response.headers["Location"] == edit and private(response)
    after = last_confirmed(db, created.id)
    assert after > before
    page = client.get(edit).get_data(as_text=True)
    assert f"Thank you — marked as still right on {freshness.long_date(after)}." in page
    assert "Please check" not in page and f"Last confirmed: {freshness.long_date(after)}." in page
    assert db.execute("SELECT action FROM audit_log WHERE entity_id = %s ORDER BY id DESC LIMIT 1",
                      (created.id,)).fetchone()["action"] == "confirm"


def test_the_block_is_only_for_published_entries(client, db):
    created = add(db, status="pending", age=timedelta(days=400))
    page = client.get(f"/edit/{created.edit_token}").get_data(as_text=True)
    assert "confirm-block" not in page and "Still right" not in page


def test_a_confirmation_without_its_csrf_token_asks_again_and_confirms_nothing(client, db):
    created = add(db, age=timedelta(days=200))
    before = last_confirmed(db, created.id)
    response = client.post(f"/edit/{created.edit_token}/confirm", follow_redirects=True)
    assert response.status_code == 200 and "Please press “Still right” again." in response.get_data(as_text=True)
    assert last_confirmed(db, created.id) == before


def test_a_wrong_or_withdrawn_edit_link_cannot_confirm(client, db):
    token = csrf_token(client, "/assets/new")
    response = client.post("/edit/not-a-token/confirm", data={"csrf_token": token})
    assert response.status_code == 404 and private(response)
    assert "This edit link is not valid" in response.get_data(as_text=True)
    created = add(db)
    contributions.withdraw_by_token(db, created.edit_token)
    response = client.post(f"/edit/{created.edit_token}/confirm", data={"csrf_token": token})
    assert response.status_code == 409 and "withdrawn" in response.get_data(as_text=True)


# -- a reminder's link ----------------------------------------------------------------------------------------------

def reminder_path(db, site, name) -> str:
    assert freshness.queue_reminders(db, site.config["ASSETMAP"]) >= 1
    body = db.execute("SELECT body FROM outbox WHERE subject LIKE %s", (f"%{name}%",)).fetchone()["body"]
    return LINK.search(body).group(1)


def test_a_reminders_link_shows_the_entry_and_confirms_it_once(client, db, site):
    created = add(db, name=XSS, age=timedelta(days=300))
    path = reminder_path(db, site, XSS)

    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and private(page)
    assert str(escape(XSS)) in text and XSS not in text
    assert "Still right" in text and f'action="{path}"' in text
    assert created.edit_token not in text

    response = client.post(path, data={"csrf_token": CSRF.search(text).group(1)})
    assert response.status_code == 200 and private(response)
    after = last_confirmed(db, created.id)
    assert f"is marked as still right on\n      {freshness.long_date(after)}" in response.get_data(as_text=True)
    assert freshness.state(after, site.config["ASSETMAP"]) == "fresh"

    again = client.get(path)
    assert again.status_code == 404 and "already been used" in again.get_data(as_text=True) and private(again)
    assert client.post(path, data={"csrf_token": CSRF.search(text).group(1)}).status_code == 404
    assert last_confirmed(db, created.id) == after


def test_an_expired_or_wrong_link_is_a_clear_404(client, db, site):
    created = add(db, name="Old Mill", age=timedelta(days=200))
    path = reminder_path(db, site, "Old Mill")
    db.execute("UPDATE confirm_links SET expires_at = now() - interval '1 second' WHERE asset_id = %s",
               (created.id,))
    for response in (client.get(path), client.get("/confirm/nonsense")):
        assert response.status_code == 404 and private(response)
    assert "has expired" in client.get(path).get_data(as_text=True)
    assert "is not valid" in client.get("/confirm/nonsense").get_data(as_text=True)


def test_no_reminder_and_no_link_without_mail(fresh_demo_db_url, db):
    add(db, age=timedelta(days=300))
    with running_app(fresh_demo_db_url) as app:
        assert freshness.queue_reminders(db, app.config["ASSETMAP"]) == 0
    assert db.execute("SELECT count(*) AS n FROM outbox").fetchone()["n"] == 0


# -- the staleness report -------------------------------------------------------------------------------------------

def test_only_planners_and_admins_see_the_report(client, auth):
    for path in ("/planner/staleness", "/planner/staleness.csv", "/planner/staleness?neighbourhood=x"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    auth.sign_in("fay@example.org")
    assert client.get("/planner/staleness").status_code == 403
    assert client.get("/planner/staleness.csv").status_code == 403


def test_the_report_counts_per_neighbourhood_and_lists_the_unconfirmed_entries(client, auth, db, site):
    code, name = db.execute("SELECT code, name FROM neighbourhoods ORDER BY code LIMIT 1").fetchone().values()
    settings = site.config["ASSETMAP"]
    before = next(r for r in freshness.report(db, settings) if r.neighbourhood_code == code)
    due, stale = add(db, "Due Hall", age=timedelta(days=200)), add(db, "Stale Hall", age=timedelta(days=400))
    row = next(r for r in freshness.report(db, settings) if r.neighbourhood_code == code)
    assert (row.assets_due, row.assets_stale) == (before.assets_due + 1, before.assets_stale + 1)
    assert (row.assets, row.assets_fresh) == (before.assets + 2, before.assets_fresh)

    auth.sign_in()
    page = client.get("/planner/staleness")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'href="/planner/staleness"' in text and ">Staleness</a>" in text          # in the staff menu
    cells = re.search(rf'neighbourhood={code}">{re.escape(str(escape(name)))}</a></th>\s*(.*?)</tr>', text, re.S)
    numbers = re.findall(r"<td>([^<]*)</td>", cells.group(1))
    assert numbers[:4] == [str(row.assets), str(row.assets_fresh), str(row.assets_due), str(row.assets_stale)]
    assert numbers[4] == f"{row.share_stale * 100:.0f}%"

    listing = client.get(f"/planner/staleness?neighbourhood={code}").get_data(as_text=True)
    assert listing.index("Stale Hall") < listing.index("Due Hall")
    assert f'href="/assets/{stale.public_id}"' in listing and f'href="/assets/{due.public_id}"' in listing
    assert "hall@example.org" not in listing and "<td>Yes</td>" in listing
    assert client.get("/planner/staleness?neighbourhood=no-such-place").status_code == 404

    csv = client.get("/planner/staleness.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.headers["Content-Disposition"] == 'attachment; filename="staleness.csv"'
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("neighbourhood_code,neighbourhood,assets,")
    counts = f",{row.assets},{row.assets_fresh},{row.assets_due},{row.assets_stale},"
    assert any(line.startswith(f"{code},") and counts in line for line in lines)
