"""The whole loop on a phone: find a room for Tuesday evening by postcode, ask for it, the holder accepts through
their edit link, records 3 hours, the requester confirms; the neighbourhood's hours go up by 3, the planners'
audit page shows the flow, and the mail reaches a real SMTP server on loopback. Taps and fields are counted."""

from __future__ import annotations

import re

import psycopg
import pytest

from assetmap.mail.worker import send_due
from assetmap.model import contributions
from assetmap.model.submission import validate
from tests.browser.watch import forgive_form_status, watched_page
from tests.helpers import LiveServer, cheap_hashes, running_app, sign_in_page
from tests.smtp import running_smtp

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def db(staff_demo_db):
    return staff_demo_db


@pytest.fixture
def smtp(free_port):
    with running_smtp(free_port) as server:
        yield server


@pytest.fixture
def server(fresh_demo_db_url, db, smtp):
    # One confirmed exchange is enough to show a figure here; the default minimum is tested elsewhere.
    with running_app(fresh_demo_db_url, smtp_url=smtp.url, public_url="http://127.0.0.1", min_count=1,
                     request_rate="1000/hour") as app, LiveServer(app) as live:
        live.settings = app.config["ASSETMAP"]
        yield live


def evening_hall(db) -> tuple[contributions.Created, dict]:
    """A published hall free on Tuesday and Thursday evenings, at a demo postcode, and a neighbourhood elsewhere."""
    where = db.execute("SELECT g.name AS postcode, ST_X(g.geom) AS lon, ST_Y(g.geom) AS lat, n.code "
                       "FROM gazetteer g JOIN neighbourhoods n ON ST_Covers(n.geom, g.geom) "
                       "WHERE g.kind = 'postcode' ORDER BY g.name LIMIT 1").fetchone()
    data = {"name": "Riverside Evening Hall", "category": "community_centre", "lon": where["lon"],
            "lat": where["lat"], "contact_email": "hall@example.org",
            "capacity": [{"kind": "space", "quantity": 60, "unit": "places", "schedule": "Tu,Th 17:00-22:00"}]}
    created = contributions.create_asset(db, validate(db, data), status="published")
    other = db.execute("SELECT code, name FROM neighbourhoods WHERE code <> %s ORDER BY code LIMIT 1",
                       (where["code"],)).fetchone()
    return created, where | {"other_code": other["code"], "other_name": other["name"]}


def hours_between(db, giver: str, receiver: str) -> float:
    row = db.execute("SELECT coalesce(sum(e.hours), 0)::float8 AS h FROM exchanges e "
                     "JOIN neighbourhoods g ON g.id = e.giver_neighbourhood_id "
                     "JOIN neighbourhoods r ON r.id = e.receiver_neighbourhood_id "
                     "WHERE e.status = 'confirmed' AND g.code = %s AND r.code = %s", (giver, receiver)).fetchone()
    return row["h"]


def test_find_ask_accept_record_confirm_on_a_phone(phone, server, db, smtp, browser):
    created, place = evening_hall(db)
    page = phone
    taps, fields = 0, 0

    # Find: a room, Tuesday 18:00–21:00, near a postcode.
    page.goto(f"{server.url}/capacity")
    page.get_by_label("What do you need?").select_option("space")
    fields += 1
    page.get_by_label("Day").select_option("Tu")
    fields += 1
    page.get_by_label("From").select_option("18:00")
    fields += 1
    page.get_by_label("To").select_option("21:00")
    fields += 1
    page.get_by_label("Near").fill(place["postcode"])
    fields += 1
    page.get_by_role("button", name="Find").tap()
    taps += 1
    result = page.locator("#capacity-results li", has_text="Riverside Evening Hall")
    assert result.locator(".next-free").inner_text().startswith("Next free: Tuesday")
    assert result.locator(".meta").first.inner_text().startswith("Space: 60 places · 0 m away")
    result.get_by_role("link", name=re.compile("Ask for this")).tap()
    taps += 1

    # Ask: the "When" comes from the search already.
    assert page.get_by_label("When").input_value().startswith("Tuesday")
    page.get_by_label("Your name").fill("Sam Okafor")
    fields += 1
    page.get_by_label("What it is for").fill("Tenants' AGM, about 20 people")
    fields += 1
    page.get_by_label("Your email or phone").fill("sam@example.org")
    fields += 1
    page.get_by_label("Your neighbourhood (if any)").select_option(place["other_code"])
    fields += 1
    page.get_by_role("button", name="Send the request").tap()
    taps += 1
    page.get_by_role("heading", name="Your request is sent").wait_for()
    requester_link = page.locator("#edit-link").input_value()
    print(f"\nfrom search to sent request: {taps} taps, {fields} fields (4 of them choices from lists)")
    assert (taps, fields) == (3, 9)

    # The mail: the holder's, with their private link, and the requester's own.
    assert send_due(psycopg.connect(server.settings.database_url, autocommit=True), server.settings).sent == 2
    to_holder = next(m for m in smtp.inbox.wait_for(2) if m["To"] == "hall@example.org")
    assert "Request for space at Riverside Evening Hall" in to_holder["Subject"]
    assert "Sam Okafor (" not in to_holder["Subject"] and "/h/" in to_holder.get_content()

    # The holder accepts through the edit link, and records 3 hours.
    page.goto(f"{server.url}/edit/{created.edit_token}/requests")
    page.get_by_role("link", name=re.compile("Sam Okafor")).tap()
    page.get_by_text("sam@example.org").wait_for()
    page.get_by_label(re.compile("Message to Sam Okafor")).fill("The caretaker opens at 5:45")
    page.get_by_role("button", name="Accept").tap()
    page.get_by_role("status").filter(has_text="You accepted the request").wait_for()
    page.get_by_label("Hours given").fill("3")
    page.get_by_role("button", name="Save").tap()
    page.get_by_role("status").filter(has_text="The other side is asked to confirm").wait_for()

    # The requester confirms from their own link.
    page.goto(requester_link)
    page.get_by_text("The caretaker opens at 5:45").wait_for()
    assert page.locator(".hours").inner_text() == "3"
    page.get_by_role("button", name="Confirm: this is right").tap()
    page.get_by_role("status").filter(has_text="these hours now count").wait_for()
    assert hours_between(db, place["code"], place["other_code"]) == 3.0
    page.watch.assert_clean()

    # The neighbourhoods' public figures go up by 3 hours between them.
    figures = {f["properties"]["code"]: f["properties"] for f in page.request.get(
        f"{server.url}/api/v1/neighbourhoods").json()["features"]}
    assert figures[place["code"]]["hours_exchanged"] == 3
    assert figures[place["other_code"]]["hours_exchanged"] == 3

    # The planners' audit page draws the flow.
    with watched_page(browser) as desk:
        sign_in_page(desk, server.url)
        desk.goto(f"{server.url}/planner/reciprocity")
        flow = desk.locator("#flows-table tbody tr", has_text=place["other_name"])
        flow.first.wait_for()
        assert "3" in flow.first.inner_text()
        desk.watch.assert_clean()

    # Every message went out: to both sides, about the answer, the record and the confirmation.
    send_due(psycopg.connect(server.settings.database_url, autocommit=True), server.settings)
    topics = [(m["To"], m["Subject"]) for m in smtp.inbox.wait_for(6)]
    assert ("sam@example.org", "Riverside Evening Hall accepted your request") in topics


@pytest.mark.parametrize("viewport", [PHONE])
def test_the_search_and_request_pages_pass_axe_on_a_phone(page, axe, server, db):
    created, place = evening_hall(db)
    page.goto(f"{server.url}/capacity?kind=space&day=Tu&from=18:00&to=21:00&near={place['postcode']}")
    page.locator("#capacity-results li").first.wait_for()
    assert page.locator(".leaflet-interactive").count() >= 1   # the results drawn on the map
    assert axe() == []
    page.locator("#capacity-results li", has_text="Riverside Evening Hall").get_by_role(
        "link", name=re.compile("Ask for this")).click()
    page.get_by_role("button", name="Send the request").click()   # nothing filled in: every problem named
    page.get_by_role("heading", name="There is a problem").wait_for()
    forgive_form_status(page, 422, "/request")
    assert axe() == []
    page.watch.assert_clean()
