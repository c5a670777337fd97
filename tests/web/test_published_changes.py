"""A resident's change to a published entry, through the pages and the API: the public keeps seeing the approved
version until a planner approves the change, seeing what it changes; or rejects it, and the resident sees why."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from assetmap.model import moderation, users
from assetmap.model.contributions import create_asset
from assetmap.model.submission import validate
from tests.helpers import PASSWORD, add_staff, csrf_token, running_app, sign_in

OLD, NEW = "Riverside Tool Library", "Riverside Tool & Seed Library"


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        add_staff(conn)
        yield conn


@pytest.fixture
def site(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, submit_rate="1000/hour") as application:
        yield application


@pytest.fixture
def entry(db):
    """A published entry with one offer, inside the demo town: (asset id, public id, edit token, lon, lat)."""
    lon, lat = db.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                          "ORDER BY code LIMIT 1) x").fetchone()
    made = create_asset(db, validate(db, {"name": OLD, "category": "library", "lon": lon, "lat": lat,
                                          "capacity": [{"kind": "equipment", "quantity": 40, "unit": "items"}]}))
    moderation.moderate(db, [made.id], "approve", None, users.authenticate(db, "pat@example.org", PASSWORD))
    return made.id, made.public_id, made.edit_token, lon, lat


def planner_client(site):
    client = site.test_client()
    sign_in(client)
    return client


def edit_page_form(client, token) -> dict:
    """The edit form's fields as the browser sends them back (one offer; the picker's inputs need no script)."""
    page = client.get(f"/edit/{token}").get_data(as_text=True)
    form = page[page.index('id="asset-form"'):page.index("</form>", page.index('id="asset-form"'))]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and "__i__" not in name.group(1) and ('type="checkbox"' not in tag or "checked" in tag):
            data[name.group(1)] = value.group(1) if value else "on"
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    return {k: v for k, v in data.items() if "__i__" not in k}


def public_names(client, lon, lat) -> list[str]:
    bbox = f"{lon - 0.002},{lat - 0.002},{lon + 0.002},{lat + 0.002}"
    response = client.get(f"/api/v1/assets?bbox={bbox}")
    assert response.status_code == 200
    return [f["properties"]["name"] for f in json.loads(response.data)["features"]]


def test_an_edited_published_entry_stays_on_the_public_map_in_its_approved_form_until_the_edit_is_approved(
        site, db, entry):
    asset_id, public_id, token, lon, lat = entry
    resident = site.test_client()
    offer_id = db.execute("SELECT id FROM capacity_offers WHERE asset_id = %s", (asset_id,)).fetchone()[0]
    response = resident.post(f"/edit/{token}", data=edit_page_form(resident, token) | {
        "name": NEW, "capacity-0-quantity": "45"})
    assert response.status_code == 303

    # The public sees the approved version: the API, the asset page and the list.
    visitor = site.test_client()
    assert OLD in public_names(visitor, lon, lat) and NEW not in public_names(visitor, lon, lat)
    page = visitor.get(f"/assets/{public_id}").get_data(as_text=True)
    assert f"<h1>{OLD}</h1>" in page and "Seed" not in page and "40 items" in page
    assert "Seed" not in visitor.get("/assets?category=library").get_data(as_text=True)

    # The planner sees the change field by field against the published version.
    planner = planner_client(site)
    html = planner.get("/planner/moderation").get_data(as_text=True)
    item = html[html.index(f'id="asset-{asset_id}"'):]
    assert "A change to an entry on the map." in item
    assert f"<del>{OLD}</del>" in item and "<ins>Riverside Tool &amp; Seed Library</ins>" in item
    assert "<del>equipment, 40, items, free</del>" in item and "<ins>equipment, 45, items, free</ins>" in item
    version = re.search(rf'name="change_version_{asset_id}" value="(\d+)"', html).group(1)
    done = planner.post("/planner/moderation/decide", follow_redirects=True, data={
        "csrf_token": csrf_token(planner, "/planner/moderation"), "asset_id": asset_id,
        f"change_version_{asset_id}": version, "action": "approve"}).get_data(as_text=True)
    assert "Published 1 entry." in done and f'href="/assets/{public_id}"' in done

    # Now the change is what the public sees, and the offer kept its id (a request names it).
    assert NEW in public_names(visitor, lon, lat) and OLD not in public_names(visitor, lon, lat)
    page = visitor.get(f"/assets/{public_id}").get_data(as_text=True)
    assert "<h1>Riverside Tool &amp; Seed Library</h1>" in page and "45 items" in page
    assert db.execute("SELECT id FROM capacity_offers WHERE asset_id = %s", (asset_id,)).fetchall() == [(offer_id,)]
    edit = resident.get(f"/edit/{token}").get_data(as_text=True)
    assert 'id="your-change"' not in edit and "Status: On the map" in edit


def test_a_rejected_change_keeps_the_published_entry_and_the_edit_page_says_why(site, db, entry):
    asset_id, public_id, token, lon, lat = entry
    resident = site.test_client()
    resident.post(f"/edit/{token}", data=edit_page_form(resident, token) | {"name": NEW})
    planner = planner_client(site)
    html = planner.post("/planner/moderation/decide", follow_redirects=True, data={
        "csrf_token": csrf_token(planner, "/planner/moderation"), "asset_id": asset_id, "action": "reject",
        "reason": "We keep the name on the library's sign"}).get_data(as_text=True)
    assert "Rejected 1 entry." in html and f'id="asset-{asset_id}"' not in html

    page = resident.get(f"/edit/{token}").get_data(as_text=True)
    assert "Your change was not accepted" in page and "The reason we gave: We keep the name on the library" in page
    assert "Status: On the map" in page
    assert edit_page_form(resident, token)["name"] == OLD
    assert public_names(site.test_client(), lon, lat).count(OLD) == 1


def test_the_queue_counts_and_filters_changes_with_new_entries(site, db, entry):
    asset_id, _, token, lon, lat = entry
    resident = site.test_client()
    resident.post(f"/edit/{token}", data=edit_page_form(resident, token) | {"name": NEW})
    pending = db.execute("SELECT count(*) FROM assets WHERE status = 'pending'").fetchone()[0]
    library = db.execute("SELECT count(*) FROM assets WHERE status = 'pending' AND category = 'library'"
                         ).fetchone()[0]
    planner = planner_client(site)
    html = planner.get("/planner/moderation").get_data(as_text=True)
    assert f"{pending + 1} waiting" in html
    html = planner.get("/planner/moderation?category=library&sort=newest").get_data(as_text=True)
    assert f"{library + 1} waiting of {pending + 1} (filtered)" in html
    assert re.search(r'class="queue-item" id="asset-(\d+)"', html).group(1) == str(asset_id)   # newest first
    assert f'<option value="library">Library ({library + 1})</option>' in html.replace(" selected", "")
