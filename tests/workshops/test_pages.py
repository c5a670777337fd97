"""The workshop pages through the app: set-up, join, the facilitator's actions and what they make."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.helpers import csrf_token, sign_in
from tests.workshops.conftest import point_note

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def control(client, code: str, body: dict):
    token = CSRF_META.search(client.get(f"/workshops/{code}").get_data(as_text=True)).group(1)
    return client.post(f"/workshops/{code}/control", json=body, headers={"X-CSRFToken": token})


def test_set_up_shows_problems_and_keeps_what_was_typed(ws_client, ws_db):
    sign_in(ws_client, "fay@example.org")
    form = ws_client.get("/workshops/new")
    assert form.status_code == 200 and "What already works here?" in form.get_data(as_text=True)
    token = csrf_token(ws_client, "/workshops/new")
    bad = ws_client.post("/workshops/new", data={"csrf_token": token, "title": "", "rounds": "Who is here?",
                                                 "votes_per_person": "lots", "layers": ["assets"]})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Title is needed." in page and "Votes per person must be a whole number." in page
    assert "Who is here?" in page and 'value="lots"' in page
    assert ws_db.execute("SELECT count(*) AS n FROM workshops").fetchone()["n"] == 0
    hood = ws_db.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 1").fetchone()["code"]
    made = ws_client.post("/workshops/new", data={"csrf_token": token, "title": "Riverside <i>session</i>",
                                                  "rounds": "Who is here?\nWhat is missing?", "votes_per_person": "4",
                                                  "layers": ["assets", "spend"], "neighbourhoods": [hood]})
    assert made.status_code == 303
    code = made.headers["Location"].rsplit("/", 1)[1]
    page = ws_client.get(f"/workshops/{code}").get_data(as_text=True)
    assert "Riverside &lt;i&gt;session&lt;/i&gt;" in page and code in page
    row = ws_db.execute("SELECT layers, votes_per_person, neighbourhood_ids, area IS NOT NULL AS has_area "
                        "FROM workshops WHERE code = %s", (code,)).fetchone()
    assert row["layers"] == ["assets", "spend"] and row["votes_per_person"] == 4 and row["has_area"]
    assert code in ws_client.get("/workshops").get_data(as_text=True)


def test_only_staff_set_up_workshops(ws_client):
    assert ws_client.get("/workshops/new").status_code == 302   # to sign in
    assert "/sign-in" in ws_client.get("/workshops/new").headers["Location"]


def test_joining_through_the_form(ws_client, workshop, ws_db):
    code = workshop["code"]
    assert ws_client.get(f"/w?code={code.lower()[:3]}-{code.lower()[3:]}").headers["Location"].endswith(f"/w/{code}")
    assert ws_client.get("/w?code=I0O1").status_code == 422
    token = csrf_token(ws_client, f"/w/{code}")
    empty = ws_client.post(f"/w/{code}", data={"csrf_token": token, "name": " ", "organisation": "NHS"})
    assert empty.status_code == 422 and "Your name is needed" in empty.get_data(as_text=True)
    assert 'value="NHS"' in empty.get_data(as_text=True)
    joined = ws_client.post(f"/w/{code}", data={"csrf_token": token, "name": "Ann", "organisation": "NHS"})
    assert joined.status_code == 303
    cookie = joined.headers["Set-Cookie"]
    assert f"assetmap_w_{code}=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = ws_client.get(f"/w/{code}").get_data(as_text=True)
    assert "Add a note" in page and "You are Ann (NHS)" in page
    # The cookie is this browser's participant token on the API too.
    assert ws_client.post(f"/api/v1/workshops/{code}/notes", json=point_note("gap", "x")).status_code == 201


def test_a_locked_workshop_refuses_joining_in_words(ws_client, workshop, fay_token):
    code = workshop["code"]
    ws_client.post(f"/api/v1/workshops/{code}/lock", headers=fay_token)
    page = ws_client.get(f"/w/{code}").get_data(as_text=True)
    assert "The facilitator has paused the workshop: joining is closed for now." in page
    assert 'name="name"' not in page


def test_qr_code_is_svg_of_the_join_link(ws_client, workshop):
    svg = ws_client.get(f"/workshops/{workshop['code']}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert ET.fromstring(svg.get_data()).tag.endswith("svg")


def test_facilitator_hides_merges_and_records_actions(ws_client, workshop, join, ws_db):
    code = workshop["code"]
    ann = join("Ann")
    a = ws_client.post(f"/api/v1/workshops/{code}/notes", json=point_note("gap", "No bus"), headers=ann).get_json()
    b = ws_client.post(f"/api/v1/workshops/{code}/notes", json=point_note("gap", "No buses"), headers=ann).get_json()
    ws_client.post(f"/api/v1/workshops/{code}/notes/{a['id']}/votes", headers=ann)
    sign_in(ws_client, "fay@example.org")
    assert control(ws_client, code, {"action": "merge", "note": a["id"], "into": b["id"]}).status_code == 200
    assert control(ws_client, code, {"action": "hide", "note": b["id"]}).status_code == 200
    visible = ws_client.get(f"/api/v1/workshops/{code}/notes", headers=ann).get_json()["features"]
    assert visible == []
    staff_view = ws_client.get(f"/api/v1/workshops/{code}/notes?hidden=1").get_json()["features"]
    assert [(f["id"], f["properties"]["votes"], f["properties"]["status"]) for f in staff_view] == [
        (b["id"], 1, "hidden")]
    assert control(ws_client, code, {"action": "add_action", "text": "Map the bus routes",
                                     "owner": "Transport team"}).status_code == 200
    bad = control(ws_client, code, {"action": "add_action", "text": ""})
    assert bad.status_code == 422 and "text" in bad.get_json()["errors"]
    audited = {r["action"] for r in ws_db.execute("SELECT action FROM audit_log WHERE entity LIKE 'workshop%'")}
    assert {"create", "merge_note", "hide_note", "add_action"} <= audited


def test_a_note_becomes_a_pending_asset_or_need(ws_client, workshop, join, ws_db):
    code = workshop["code"]
    ann = join("Ann")
    at = ws_db.execute("SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(geom) AS p "
                       "FROM neighbourhoods ORDER BY code LIMIT 1) x").fetchone()
    hall = point_note("asset", "Church hall, free Mondays", **at)
    place = ws_client.post(f"/api/v1/workshops/{code}/notes", json=hall, headers=ann).get_json()["id"]
    need = ws_client.post(f"/api/v1/workshops/{code}/notes", json=point_note("gap", "Volunteers to drive", **at),
                          headers=ann).get_json()["id"]
    sign_in(ws_client, "fay@example.org")
    bad = control(ws_client, code, {"action": "promote", "note": place, "to": "asset", "category": "nope"})
    assert bad.status_code == 422 and "category" in bad.get_json()["errors"]
    made = control(ws_client, code, {"action": "promote", "note": place, "to": "asset",
                                     "category": "community_centre"})
    assert made.status_code == 200
    asset = ws_db.execute("SELECT name, status, source FROM assets WHERE public_id = %s",
                          (made.get_json()["promoted"]["asset"],)).fetchone()
    assert asset == {"name": "Church hall, free Mondays", "status": "pending", "source": f"workshop:{code}"}
    again = control(ws_client, code, {"action": "promote", "note": place, "to": "asset", "category": "library"})
    assert again.status_code == 409
    made = control(ws_client, code, {"action": "promote", "note": need, "to": "need", "kind": "volunteer_time"})
    need_id = made.get_json()["promoted"]["need"]
    status = ws_db.execute("SELECT status FROM capacity_needs WHERE id = %s", (need_id,)).fetchone()["status"]
    assert status == "pending"
    # A planner opens it from the needs page.
    ws_client.post("/sign-out", data={"csrf_token": csrf_token(ws_client, "/workshops")})
    sign_in(ws_client, "pat@example.org")
    page = ws_client.get("/planner/needs").get_data(as_text=True)
    assert "Volunteers to drive" in page
    opened = ws_client.post(f"/planner/needs/{need_id}/decide",
                            data={"csrf_token": csrf_token(ws_client, "/planner/needs"), "decision": "open"})
    assert opened.status_code == 303
    assert ws_db.execute("SELECT status FROM capacity_needs WHERE id = %s", (need_id,)).fetchone()["status"] == "open"
    assert "Volunteers to drive" not in ws_client.get("/planner/needs").get_data(as_text=True)


def test_another_facilitator_cannot_use_the_control_route(ws_client, workshop, ws_db):
    from assetmap.model import users
    from tests.helpers import PASSWORD
    users.add_user(ws_db, "gil@example.org", PASSWORD, "facilitator")
    sign_in(ws_client, "gil@example.org")
    token = csrf_token(ws_client, "/workshops")
    refused = ws_client.post(f"/workshops/{workshop['code']}/control", json={"action": "lock"},
                             headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    assert ws_client.get(f"/workshops/{workshop['code']}/screen").status_code == 403
