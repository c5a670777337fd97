"""POST /api/v1/assets, GET /api/v1/assets/<id> and /api/v1/places against a real database."""

import json

import psycopg
import pytest

from tests.helpers import csrf_token, running_app

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def db(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def api(fresh_demo_db_url):
    with running_app(fresh_demo_db_url, submit_rate="5/hour") as app:
        yield app.test_client()


def centre(db):
    return list(db.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM neighbourhoods "
                           "ORDER BY code LIMIT 1) x").fetchone())


def feature(db, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": centre(db)},
            "properties": {"name": "Tuesday Knit and Natter", "category": "community_centre",
                           "capacity": [{"kind": "space", "quantity": 12, "unit": "places",
                                         "schedule": "Tu 14:00-16:00", "cost": "free"}], **props}}


def test_a_valid_feature_is_stored_pending_with_an_edit_token(api, db):
    response = api.post("/api/v1/assets", json=feature(db, contact_email="knit@example.org"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending" and len(body["edit_token"]) >= 30
    assert response.headers["Location"] == f"/api/v1/assets/{body['id']}"
    row = db.execute("SELECT status, name, contact_email, edit_token_hash, "
                     "(SELECT count(*) FROM capacity_offers o WHERE o.asset_id = a.id), "
                     "(SELECT count(*) FROM asset_versions v WHERE v.asset_id = a.id), "
                     "(SELECT count(*) FROM audit_log l WHERE l.entity_id = a.id AND l.action = 'create') "
                     "FROM assets a WHERE public_id = %s", (body["id"],)).fetchone()
    assert row[:3] == ("pending", "Tuesday Knit and Natter", "knit@example.org")
    assert row[3] is not None and body["edit_token"].encode() not in bytes(row[3])
    assert row[4:] == (1, 1, 1)

    # Pending: hidden from the public, visible to the edit-link holder with the exact point and contact.
    assert api.get(f"/api/v1/assets/{body['id']}").status_code == 404
    own = api.get(f"/api/v1/assets/{body['id']}", headers={"X-Edit-Token": body["edit_token"]})
    assert own.status_code == 200
    props = json.loads(own.data)["properties"]
    assert props["status"] == "pending" and props["contact_email"] == "knit@example.org"
    assert props["capacity"][0]["schedule"] == "Tu 14:00-16:00"
    assert api.get(f"/api/v1/assets/{body['id']}", headers={"X-Edit-Token": "wrong"}).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"type": "FeatureCollection"}, "type"),
    ({"geometry": {"type": "Polygon", "coordinates": []}}, "geometry"),
    ({"geometry": {"type": "Point", "coordinates": [1]}}, "geometry"),
    ({"geometry": {"type": "Point", "coordinates": [0.5, 51.0]}}, "location"),   # outside the area covered
    ({"properties": "name=Hall"}, "properties"),
    ({"crs": "EPSG:4326"}, "crs"),
])
def test_structural_errors(api, db, change, field):
    response = api.post("/api/v1/assets", json={**feature(db), **change})
    assert response.status_code == 422
    assert field in response.json["errors"], response.json


@pytest.mark.parametrize("props, field", [
    ({"name": ""}, "name"),
    ({"category": "casino"}, "category"),
    ({"nmae": "typo"}, "nmae"),
    ({"lon": 1}, "lon"),
    ({"contact_email": "nope"}, "contact_email"),
    ({"postcode": "nope"}, "postcode"),
    ({"capacity": [{"kind": "space", "schedule": "evenings"}]}, "capacity.0.schedule"),
    ({"capacity": [{"kind": "space", "quantity": 3}]}, "capacity.0.unit"),
    ({"capacity": [{"kind": "space", "colour": "red"}]}, "capacity.0.colour"),
    ({"capacity": [{"kind": "wishes"}]}, "capacity.0.kind"),
])
def test_rule_errors_store_nothing(api, db, props, field):
    before = db.execute("SELECT count(*) FROM assets").fetchone()[0]
    response = api.post("/api/v1/assets", json=feature(db, **props))
    assert response.status_code == 422
    assert field in response.json["errors"], response.json
    assert db.execute("SELECT count(*) FROM assets").fetchone()[0] == before


def test_not_json_is_a_422(api):
    response = api.post("/api/v1/assets", data="name=Hall", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422 and "body" in response.json["errors"]


def test_submissions_are_rate_limited_per_client(api, db):
    codes = [api.post("/api/v1/assets", json=feature(db, name=f"Hall {i}")).status_code for i in range(6)]
    assert codes == [201] * 5 + [429]
    limited = api.post("/api/v1/assets", json=feature(db))
    assert int(limited.headers["Retry-After"]) > 0
    # Another client is not affected: the count is per address.
    other = api.post("/api/v1/assets", json=feature(db), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201


def test_a_script_name_is_data_not_markup(api, db):
    response = api.post("/api/v1/assets", json=feature(db, name=XSS))
    assert response.status_code == 201
    token = response.json["edit_token"]
    got = api.get(f"/api/v1/assets/{response.json['id']}", headers={"X-Edit-Token": token})
    assert json.loads(got.data)["properties"]["name"] == XSS


def test_place_search(api, db):
    postcode, = db.execute("SELECT name FROM gazetteer WHERE kind = 'postcode' ORDER BY name LIMIT 1").fetchone()
    lon, lat = db.execute("SELECT ST_X(geom), ST_Y(geom) FROM gazetteer WHERE kind = 'postcode' AND name = %s",
                          (postcode,)).fetchone()
    compact = postcode.replace(" ", "").lower()
    results = api.get(f"/api/v1/places?q={compact}").json["results"]
    assert results[0]["label"] == postcode and (results[0]["lon"], results[0]["lat"]) == (lon, lat)

    place, = db.execute("SELECT name FROM gazetteer WHERE kind = 'place' ORDER BY name LIMIT 1").fetchone()
    typo = place[:-1] if len(place) > 5 else place
    assert place in [r["label"] for r in api.get(f"/api/v1/places?q={typo.lower()}").json["results"]]
    assert api.get("/api/v1/places?q=zzzzqqqq").json["results"] == []
    assert api.get("/api/v1/places?q=" + "x" * 101).status_code == 400


@pytest.fixture
def tokens(db):
    from assetmap.model import users
    users.add_user(db, "planner@example.org", "correct horse battery", "planner")
    users.add_user(db, "facilitator@example.org", "correct horse battery", "facilitator")
    return {role: users.create_token(db, f"{role}@example.org") for role in ("planner", "facilitator")}


def submit(api, db, **props):
    response = api.post("/api/v1/assets", json=feature(db, **props))
    assert response.status_code == 201
    return response.json


@pytest.mark.parametrize("who, status", [
    ("anonymous", 401), ("resident", 401), ("facilitator", 403), ("planner", 200), ("garbage", 401),
])
def test_moderation_permissions(api, db, tokens, who, status):
    made = submit(api, db)
    headers = {
        "anonymous": {},
        "resident": {"Authorization": f"Bearer {made['edit_token']}"},
        "facilitator": {"Authorization": f"Bearer {tokens['facilitator']}"},
        "planner": {"Authorization": f"Bearer {tokens['planner']}"},
        "garbage": {"Authorization": "Bearer not-a-token"},
    }[who]
    response = api.post(f"/api/v1/assets/{made['id']}/moderation", json={"action": "approve"}, headers=headers)
    assert response.status_code == status, response.json
    expected = "published" if status == 200 else "pending"
    assert db.execute("SELECT status FROM assets WHERE public_id = %s", (made["id"],)).fetchone()[0] == expected


def test_moderation_by_api(api, db, tokens):
    planner = {"Authorization": f"Bearer {tokens['planner']}"}
    made = submit(api, db)
    url = f"/api/v1/assets/{made['id']}/moderation"
    assert api.post(url, json={"action": "publish"}, headers=planner).status_code == 422
    assert api.post(url, json={"action": "approve", "note": "x"}, headers=planner).status_code == 422
    rejected = api.post(url, json={"action": "reject"}, headers=planner)
    assert rejected.status_code == 400 and "reason" in json.dumps(rejected.json)
    ok = api.post(url, json={"action": "reject", "reason": "Not in our area"}, headers=planner)
    assert ok.status_code == 200 and ok.json["status"] == "rejected"
    assert ok.json["moderation_reason"] == "Not in our area"
    # Planners see pending and rejected assets, with the exact point; the public does not.
    assert api.get(f"/api/v1/assets/{made['id']}", headers=planner).status_code == 200
    assert api.get(f"/api/v1/assets/{made['id']}").status_code == 404
    ok = api.post(url, json={"action": "approve"}, headers=planner)
    assert ok.status_code == 200 and ok.json["status"] == "published"
    public = api.get(f"/api/v1/assets/{made['id']}")
    assert public.status_code == 200 and "contact_email" not in json.loads(public.data)["properties"]
    audit = db.execute("SELECT action, actor FROM audit_log l JOIN assets a ON a.id = l.entity_id "
                       "WHERE a.public_id = %s ORDER BY l.id", (made["id"],)).fetchall()
    assert audit == [("create", "api"), ("moderate", "user:planner@example.org"),
                     ("moderate", "user:planner@example.org")]
    assert api.post("/api/v1/assets/00000000-0000-0000-0000-000000000000/moderation",
                    json={"action": "approve"}, headers=planner).status_code == 404


def test_the_session_cookie_does_not_work_on_the_api(api, db, tokens):
    """Only Bearer tokens authenticate staff on the API: that is why it needs no CSRF token."""
    made = submit(api, db)
    csrf = csrf_token(api)
    signed_in = api.post("/sign-in", data={"email": "planner@example.org", "password": "correct horse battery",
                                           "csrf_token": csrf})
    assert signed_in.status_code == 302
    response = api.post(f"/api/v1/assets/{made['id']}/moderation", json={"action": "approve"})
    assert response.status_code == 401
