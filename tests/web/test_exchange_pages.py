"""Finding capacity and asking for it through Flask's test client on a real database: the API's parameters and
errors, the page without JavaScript, the request form's errors, each side's private page, the planners' queue."""

from __future__ import annotations

import html
import re

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.config import Settings
from assetmap.model import requests
from assetmap.model.contributions import hash_token, new_token
from tests.helpers import add_staff, csrf_token, running_app, sign_in

XSS = "<img src=x onerror=alert(1)>"
LINK = re.compile(r'id="edit-link"[^>]*>http://localhost/r/([A-Za-z0-9_-]+)</textarea>')


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        # An evening room in the demo town, fresh, with an email for its holder.
        conn.execute("UPDATE capacity_offers SET schedule = 'Tu,Th 17:00-22:00', quantity = 40, unit = 'places', "
                     "kind = 'space' WHERE id = (SELECT min(o.id) FROM public_capacity_offers o)")
        yield conn


@pytest.fixture
def site(fresh_demo_db_url, db):
    with running_app(fresh_demo_db_url, request_rate="1000/hour") as application:
        yield application


@pytest.fixture
def client(site):
    return site.test_client()


def evening_offer(db) -> dict:
    return db.execute("SELECT o.id, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, a.name FROM public_capacity_offers o "
                      "JOIN public_assets a ON a.id = o.asset_id WHERE o.schedule = 'Tu,Th 17:00-22:00'").fetchone()


def test_the_api_finds_an_evening_room_near_a_point(client, db):
    offer = evening_offer(db)
    r = client.get(f"/api/v1/capacity?kind=space&when=Tu 18:00-21:00&near={offer['lon']},{offer['lat']}"
                   "&within_m=500&min_quantity=20")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    features = body["features"]
    assert features and features[0]["properties"]["offer_id"] == offer["id"]
    props = features[0]["properties"]
    assert props["distance_m"] == 0 and props["next_free"].endswith(("T18:00:00+00:00", "T18:00:00+01:00"))
    for key in ("offer_id", "asset_name", "kind", "quantity", "unit", "schedule", "distance_m", "next_free",
                "last_confirmed_at"):
        assert key in props
    assert all(f["properties"]["distance_m"] <= 500 for f in features)
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
    # Not free on a weekday morning: it is not found then.
    r = client.get(f"/api/v1/capacity?when=Mo 09:00-10:00&near={offer['lon']},{offer['lat']}&within_m=500")
    assert offer["id"] not in [f["properties"]["offer_id"] for f in r.get_json()["features"]]


@pytest.mark.parametrize(("query", "parameter", "says"), [
    ("when=Tue 18:00-21:00", "when", "Tue is Tu"),
    ("when=tomorrow", "when", "cannot be read"),
    ("near=Nowhereville Xyzzy", "near", "could not find"),
    ("near=500,500", "near", "longitude then latitude"),
    ("within_m=-5", "within_m", "between"),
    ("within_m=NaN", "within_m", "between"),
    ("min_quantity=lots", "min_quantity", "expected a number"),
    ("kind=castle", "kind", "unknown value"),
    ("colour=red", "colour", "unknown parameter"),
    ("limit=0", "limit", "between"),
])
def test_bad_parameters_are_a_400_naming_the_problem(client, query, parameter, says):
    r = client.get("/api/v1/capacity?" + query)
    assert r.status_code == 400
    body = r.get_json()
    assert body["parameter"] == parameter and says in body["message"]


def test_the_page_searches_without_javascript(client, db):
    offer = evening_offer(db)
    r = client.get(f"/capacity?kind=space&day=Tu&from=18:00&to=21:00&near={offer['lon']},{offer['lat']}"
                   "&within_m=500")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f'id="offer-{offer["id"]}"' in page and "Next free: <time" in page
    assert f"/capacity/offers/{offer['id']}/request?when=Tu+18:00-21:00" in page
    bad = client.get("/capacity?day=Tu&from=18:00&to=21:00&near=Nowhereville+Xyzzy").get_data(as_text=True)
    assert "There is a problem" in bad and "could not find" in bad and 'value="Nowhereville Xyzzy"' in bad


def test_a_request_with_mistakes_is_shown_again_with_what_was_typed(client, db):
    offer = evening_offer(db)
    url = f"/capacity/offers/{offer['id']}/request"
    form = {"csrf_token": csrf_token(client, url), "requester_name": XSS, "purpose": "", "contact": "sam@",
            "quantity": "lots"}
    r = client.post(url, data=form)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "What it is for is needed." in page and "not an email address" in page and "must be a number" in page
    assert html.escape(XSS, quote=True) in page and XSS not in page
    assert db.execute("SELECT count(*) AS n FROM capacity_requests").fetchone()["n"] == 0


def test_request_answer_record_confirm_through_the_pages(client, db, site):
    offer = evening_offer(db)
    url = f"/capacity/offers/{offer['id']}/request"
    assert "Tuesday" in client.get(url + "?when=Tu 18:00-21:00").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, url), "requester_name": "Sam Okafor", "purpose": "Tenants' AGM",
            "wanted_when": "Tuesday evening", "quantity": "20", "contact": "sam@example.org"}
    r = client.post(url, data=form)
    assert r.status_code == 303 and r.headers["Location"].endswith("/requests/sent")
    sent = client.get("/requests/sent")
    assert sent.headers["Cache-Control"] == "no-store" and sent.headers["Referrer-Policy"] == "no-referrer"
    token = LINK.search(sent.get_data(as_text=True)).group(1)
    assert "shown once" in client.get("/requests/sent").get_data(as_text=True)

    # The holder answers through their edit link's list (no mail configured here).
    edit = new_token()
    db.execute("UPDATE assets SET edit_token_hash = %s WHERE id = (SELECT asset_id FROM capacity_offers "
               "WHERE id = %s)", (hash_token(edit), offer["id"]))
    listing = client.get(f"/edit/{edit}/requests").get_data(as_text=True)
    path = re.search(rf'href="(/edit/{edit}/requests/[0-9a-f-]+)"', listing).group(1)
    holder = client.get(path).get_data(as_text=True)
    assert "sam@example.org" in holder and "Accept" in holder
    r = client.post(path, data={"csrf_token": csrf_token(client, path), "action": "accept", "message": "Key at 5"})
    assert r.status_code == 303
    # The requester sees the answer, and records; confirming one's own record is refused, with the reason.
    mine = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Key at 5" in mine and "<dt>Contact</dt>" not in mine
    r = client.post(f"/r/{token}", data={"csrf_token": csrf_token(client, f"/r/{token}"), "action": "record",
                                         "hours": "3", "started_on": "2026-12-08"})
    assert r.status_code == 303
    r = client.post(f"/r/{token}", data={"csrf_token": csrf_token(client, f"/r/{token}"), "action": "confirm"})
    assert r.status_code == 409 and "the other side confirms it" in r.get_data(as_text=True)
    r = client.post(path, data={"csrf_token": csrf_token(client, path), "action": "confirm"})
    assert r.status_code == 303
    row = db.execute("SELECT status, hours FROM exchanges").fetchone()
    assert row["status"] == "confirmed" and float(row["hours"]) == 3


def test_a_record_with_mistakes_keeps_what_was_typed(client, db):
    offer = evening_offer(db)
    req = requests.validate({"requester_name": "Sam", "purpose": "AGM", "contact": "sam@example.org"}, set())
    sent = requests.create(db, offer["id"], req, Settings(), actor="requester")
    view = requests.by_requester_token(db, sent.requester_token)
    requests.decide(db, view.id, "accepted", "", Settings(), actor="holder")
    page = f"/r/{sent.requester_token}"
    r = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "record", "hours": "three",
                                "notes": XSS})
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and "Hours given must be a number" in text
    assert html.escape(XSS, quote=True) in text and XSS not in text


def test_private_pages_refuse_wrong_links(client):
    for url in ("/r/not-a-token", "/h/not-a-token", "/edit/not-a-token/requests"):
        assert client.get(url).status_code == 404


def test_only_staff_see_the_queue_and_can_log_for_someone(client, db):
    offer = evening_offer(db)
    assert client.get("/planner/requests").status_code in (302, 303)
    assert client.get(f"/planner/requests/new/{offer['id']}").status_code in (302, 303)
    sign_in(client)
    url = f"/planner/requests/new/{offer['id']}"
    r = client.post(url, data={"csrf_token": csrf_token(client, url), "requester_name": "Mrs Patel",
                               "purpose": "Lunch club", "contact": "01234 567890"})
    assert r.status_code == 303
    row = db.execute("SELECT source, logged_by IS NOT NULL AS logged FROM capacity_requests").fetchone()
    assert row == {"source": "planner", "logged": True}
    queue = client.get("/planner/requests").get_data(as_text=True)
    assert "Mrs Patel" in queue and "Waiting for an answer (1)" in queue
    one = client.get(r.headers["Location"])
    assert "01234 567890" in one.get_data(as_text=True) and one.headers["Cache-Control"] == "no-store"


def test_requests_are_rate_limited(fresh_demo_db_url, db):
    offer = evening_offer(db)
    with running_app(fresh_demo_db_url, request_rate="1/hour") as site:
        c = site.test_client()
        url = f"/capacity/offers/{offer['id']}/request"
        form = {"requester_name": "Sam", "purpose": "AGM", "contact": "sam@example.org"}
        assert c.post(url, data=form | {"csrf_token": csrf_token(c, url)}).status_code == 303
        r = c.post(url, data=form | {"csrf_token": csrf_token(c, url)})
        assert r.status_code == 429 and r.headers.get("Retry-After")
    assert db.execute("SELECT count(*) AS n FROM capacity_requests").fetchone()["n"] == 1


def test_the_public_map_api_filters_by_when_and_marks_unconfirmed_entries(client, db):
    offer = evening_offer(db)
    asset = db.execute("SELECT a.public_id FROM capacity_offers o JOIN assets a ON a.id = o.asset_id "
                       "WHERE o.id = %s", (offer["id"],)).fetchone()["public_id"]
    evening = client.get("/api/v1/assets?when=Tu 18:00-21:00&limit=10000").get_json()["features"]
    ids = {f["id"] for f in evening}
    everyone = client.get("/api/v1/assets?limit=10000").get_json()["features"]
    assert str(asset) in ids and len(ids) < len(everyone)
    # Every asset listed has an offer whose schedule covers Tuesday evening.
    for f in evening:
        assert any(o["schedule"] and "Tu" in o["schedule"] or "Mo-" in (o["schedule"] or "")
                   or "24/7" in (o["schedule"] or "") for o in f["properties"]["capacity"])
    assert client.get("/api/v1/assets?when=Tue").status_code == 400
    db.execute("UPDATE assets SET last_confirmed_at = now() - interval '7 months' WHERE public_id = %s", (asset,))
    found = client.get(f"/api/v1/assets/{asset}").get_json()["properties"]
    assert found["unconfirmed"] is True and found["last_confirmed_at"]
