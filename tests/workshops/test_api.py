"""The workshop API through the app: who may do what, what is refused and how, and nothing half-written."""

from __future__ import annotations

import pytest

from assetmap.model import users
from tests.helpers import PASSWORD, sign_in
from tests.workshops.conftest import point_note, token_for

SQUARE = {"type": "Polygon", "coordinates": [[[-1.51, 52.5], [-1.5, 52.5], [-1.5, 52.51], [-1.51, 52.51],
                                              [-1.51, 52.5]]]}


def notes_url(workshop, *parts) -> str:
    return "/".join([f"/api/v1/workshops/{workshop['code']}/notes", *map(str, parts)])


def test_create_needs_a_staff_token(ws_client, ws_db):
    body = {"title": "A workshop"}
    assert ws_client.post("/api/v1/workshops", json=body).status_code == 401
    planner = {"Authorization": f"Bearer {token_for(ws_db, 'pat@example.org')}"}
    made = ws_client.post("/api/v1/workshops", json=body, headers=planner)
    assert made.status_code == 201
    data = made.get_json()
    assert set(data) == {"code", "join_url", "screen_url"} and data["join_url"].endswith(f"/w/{data['code']}")
    assert ws_client.get(f"/api/v1/workshops/{data['code']}").get_json()["prompt"] == "What already works here?"


def test_set_up_problems_are_named(ws_client, fay_token):
    bad = ws_client.post("/api/v1/workshops", headers=fay_token, json={
        "title": "", "layers": ["assets", "nope"], "neighbourhoods": ["ZZZ99"], "votes_per_person": 99,
        "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "colour": "red"})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert set(errors) == {"colour"}   # unknown members first, alone
    bad = ws_client.post("/api/v1/workshops", headers=fay_token, json={
        "title": "", "layers": ["assets", "nope"], "neighbourhoods": ["ZZZ99"], "votes_per_person": 99,
        "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}})
    errors = bad.get_json()["errors"]
    assert errors["title"] == "is needed"
    assert "nope" in errors["layers"] and "ZZZ99" in errors["neighbourhoods"]
    assert errors["votes_per_person"] == "must be from 0 to 50"
    assert "crosses itself" in errors["area"]


def test_a_drawn_area_is_the_workshops_area(ws_client, fay_token, ws_db):
    made = ws_client.post("/api/v1/workshops", headers=fay_token, json={"title": "Drawn", "area": SQUARE})
    assert made.status_code == 201
    row = ws_db.execute("SELECT ST_AsText(area) AS a FROM workshops WHERE code = %s",
                        (made.get_json()["code"],)).fetchone()
    assert row["a"].startswith("MULTIPOLYGON")


def test_join_add_vote_comment_and_read_back(ws_client, workshop, join):
    ann = join("Ann", "NHS")
    added = ws_client.post(notes_url(workshop), json=point_note("gap", "No youth club <b>after 6</b>"), headers=ann)
    assert added.status_code == 201
    note = added.get_json()["id"]
    area = ws_client.post(notes_url(workshop), headers=ann, json={
        "type": "Feature", "geometry": SQUARE, "properties": {"kind": "overlap", "text": "Two teams visit here"}})
    assert area.status_code == 201
    assert ws_client.post(notes_url(workshop, note, "votes"), headers=ann).get_json()["votes_left"] == 2
    commented = ws_client.post(notes_url(workshop, note, "comments"), json={"text": "Agreed"}, headers=ann)
    assert commented.status_code == 201
    listed = ws_client.get(notes_url(workshop), headers=ann)
    assert listed.mimetype == "application/geo+json"
    body = listed.get_json()
    first = body["features"][0]["properties"]
    assert first["text"] == "No youth club <b>after 6</b>" and first["votes"] == 1
    assert first["author"] == "Ann" and first["organisation"] == "NHS"
    assert first["comments"][0]["text"] == "Agreed"
    assert body["features"][1]["geometry"]["type"] == "Polygon"
    assert body["last_event_id"] == 4


def test_votes_stop_at_the_limit_and_come_back(ws_client, workshop, join):
    ann = join("Ann")
    note = ws_client.post(notes_url(workshop), json=point_note("asset", "Hall"), headers=ann).get_json()["id"]
    for left in (2, 1, 0):
        assert ws_client.post(notes_url(workshop, note, "votes"), headers=ann).get_json()["votes_left"] == left
    refused = ws_client.post(notes_url(workshop, note, "votes"), headers=ann)
    assert refused.status_code == 409
    assert "used all 3 of your votes" in refused.get_json()["error"]
    back = ws_client.delete(notes_url(workshop, note, "votes"), headers=ann).get_json()
    assert back == {"note_id": note, "votes": 2, "mine": 2, "votes_left": 1}
    assert ws_client.get(f"/api/v1/workshops/{workshop['code']}/me", headers=ann).get_json()["votes"] == {str(note): 2}


def test_only_the_author_changes_or_withdraws_a_note(ws_client, workshop, join):
    ann, bo = join("Ann"), join("Bo")
    note = ws_client.post(notes_url(workshop), json=point_note("gap", "Mine"), headers=ann).get_json()["id"]
    change = {"type": "Feature", "geometry": None, "properties": {"text": "Changed"}}
    assert ws_client.patch(notes_url(workshop, note), json=change, headers=bo).status_code == 403
    assert ws_client.delete(notes_url(workshop, note), headers=bo).status_code == 403
    assert ws_client.patch(notes_url(workshop, note), json=change, headers=ann).status_code == 200
    assert ws_client.get(notes_url(workshop), headers=bo).get_json()["features"][0]["properties"]["text"] == "Changed"
    assert ws_client.delete(notes_url(workshop, note), headers=ann).status_code == 204
    assert ws_client.get(notes_url(workshop), headers=bo).get_json()["features"] == []
    assert ws_client.post(notes_url(workshop, note, "votes"), headers=bo).status_code == 404


@pytest.mark.parametrize("feature, field", [
    (point_note("rumour", "x"), "kind"),
    (point_note("gap", ""), "text"),
    (point_note("gap", "x" * 1001), "text"),
    (point_note("gap", "x", lon=200), "geometry"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
      "properties": {"kind": "gap", "text": "x"}}, "geometry"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float("nan"), 1]},
      "properties": {"kind": "gap", "text": "x"}}, "geometry"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]},
      "properties": {"kind": "gap", "text": "x", "votes": 99}}, "votes"),
])
def test_bad_notes_are_refused_by_field_and_not_stored(ws_client, workshop, join, ws_db, feature, field):
    ann = join("Ann")
    refused = ws_client.post(notes_url(workshop), json=feature, headers=ann)
    assert refused.status_code in (400, 422)
    if refused.status_code == 422:
        assert field in refused.get_json()["errors"]
    assert ws_db.execute("SELECT count(*) AS n FROM workshop_notes").fetchone()["n"] == 0


def test_no_participant_no_note(ws_client, workshop):
    refused = ws_client.post(notes_url(workshop), json=point_note("gap", "x"))
    assert refused.status_code == 401 and "Join the workshop first" in refused.get_json()["error"]
    other = ws_client.post(notes_url(workshop), json=point_note("gap", "x"), headers={"X-Participant-Token": "nope"})
    assert other.status_code == 401
    assert ws_client.get(f"/api/v1/workshops/{workshop['code']}/events").status_code == 401


def test_a_token_of_another_workshop_is_no_token(ws_client, workshop, join, fay_token):
    ann = join("Ann")
    other = ws_client.post("/api/v1/workshops", headers=fay_token, json={"title": "Other"}).get_json()
    refused = ws_client.post(f"/api/v1/workshops/{other['code']}/notes", json=point_note("gap", "x"), headers=ann)
    assert refused.status_code == 401


def test_locking_and_closing_refuse_input_in_words(ws_client, workshop, join, fay_token):
    ann = join("Ann")
    code = workshop["code"]
    assert ws_client.post(f"/api/v1/workshops/{code}/lock", headers=fay_token).get_json()["state"] == "locked"
    refused = ws_client.post(notes_url(workshop), json=point_note("gap", "x"), headers=ann)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "The facilitator has paused the workshop: adding notes is closed for now."
    late = ws_client.post(f"/api/v1/workshops/{code}/participants", json={"name": "Late"})
    assert late.status_code == 409 and "joining is closed" in late.get_json()["error"]
    assert ws_client.post(f"/api/v1/workshops/{code}/lock", headers=fay_token).status_code == 409
    assert ws_client.post(f"/api/v1/workshops/{code}/unlock", headers=fay_token).status_code == 200
    assert ws_client.post(notes_url(workshop), json=point_note("gap", "x"), headers=ann).status_code == 201
    assert ws_client.post(f"/api/v1/workshops/{code}/close", headers=fay_token).get_json()["state"] == "closed"
    closed = ws_client.post(notes_url(workshop), json=point_note("gap", "y"), headers=ann)
    assert closed.status_code == 409 and "has ended" in closed.get_json()["error"]


def test_facilitators_cannot_touch_each_others_workshops(ws_client, ws_db, workshop):
    users.add_user(ws_db, "gil@example.org", PASSWORD, "facilitator")
    gil = {"Authorization": f"Bearer {token_for(ws_db, 'gil@example.org')}"}
    for action in ("lock", "unlock", "close"):
        refused = ws_client.post(f"/api/v1/workshops/{workshop['code']}/{action}", headers=gil)
        assert refused.status_code == 403 and "Only this workshop's facilitator" in refused.get_json()["error"]
    # The page's control route too, signed in with the session.
    sign_in(ws_client, "gil@example.org")
    assert ws_client.get(f"/workshops/{workshop['code']}").status_code == 403


def test_the_session_cookie_is_not_a_staff_credential_on_the_api(ws_client, workshop):
    sign_in(ws_client, "fay@example.org")
    assert ws_client.get(f"/workshops/{workshop['code']}").status_code == 200   # the page, with the session
    assert ws_client.post(f"/api/v1/workshops/{workshop['code']}/lock").status_code == 401
    assert ws_client.post("/api/v1/workshops", json={"title": "x"}).status_code == 401


def test_participants_are_rate_limited(ws_app, workshop, join):
    ws_app.config["ASSETMAP"] = type(ws_app.config["ASSETMAP"])(
        **{**ws_app.config["ASSETMAP"].__dict__, "workshop_note_rate": "2/minute"})
    client = ws_app.test_client()
    ann = join("Ann")
    for _ in range(2):
        assert client.post(notes_url(workshop), json=point_note("gap", "x"), headers=ann).status_code == 201
    limited = client.post(notes_url(workshop), json=point_note("gap", "x"), headers=ann)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_writes_must_be_json(ws_client, workshop, join):
    ann = join("Ann")
    form = ws_client.post(notes_url(workshop), data={"kind": "gap", "text": "x"}, headers=ann)
    assert form.status_code == 422 and "body" in form.get_json()["errors"]
