"""The authorisation matrix: every route of the app × every actor, against the policy declared in policy.py.

One app on a copy of the demo town, with two published entries (A with an offer and a request for it, B), staff of
each role, a workshop run by the facilitator with one participant and their note. Each route is asked once by each
actor with an empty body (so nothing is really changed by those who get through: they get a 4xx for the missing
fields) and the answer is classed as "through" or "turned away"; a 5xx anywhere fails too.
"""

from __future__ import annotations

import pytest

from assetmap.model import contributions, moderation, requests, users
from assetmap.model.submission import validate
from tests.helpers import PASSWORD, running_app

from . import policy as p

MADE_UP_TOKEN = "made-up-token-that-is-long-enough-to-look-real-0000"


def _published(conn, name, planner, **fields):
    data = {"name": name, "category": "community_centre", "lon": -0.9, "lat": 52.6} | fields
    made = contributions.create_asset(conn, validate(conn, data))
    moderation.moderate(conn, [made.id], "approve", None, planner)
    return made


@pytest.fixture
def world(staff_demo_db, fresh_demo_db_url):
    db = staff_demo_db
    users.add_user(db, "ada@example.org", PASSWORD, "admin", "Ada")
    staff = {r["email"]: r for r in db.execute("SELECT id, email, role FROM users")}
    pat = users.get_user(db, staff["pat@example.org"]["id"])
    a = _published(db, "Mill Lane Hall", pat, capacity=[{"kind": "space", "quantity": 20, "unit": "places"}])
    b = _published(db, "Orchard Library", pat)
    offer_id = db.execute("SELECT id FROM capacity_offers WHERE asset_id = %s", (a.id,)).fetchone()["id"]
    with running_app(fresh_demo_db_url, submit_rate="100000/hour", request_rate="100000/hour",
                     workshop_note_rate="100000/hour", workshop_join_rate="100000/hour") as app:
        app.config["WTF_CSRF_ENABLED"] = False   # CSRF has its own tests; here it would hide the role checks
        sent = requests.create(db, offer_id, requests.RequestInput("Sam", "", "A lunch club", "Tuesdays", 10,
                                                                   "sam@example.org"), app.config["ASSETMAP"],
                               actor="requester")
        tokens = {p.BEARER_PLANNER: users.create_token(db, "pat@example.org"),
                  p.BEARER_FACILITATOR: users.create_token(db, "fay@example.org")}
        client = app.test_client()
        hoods = [r["code"] for r in db.execute("SELECT code FROM neighbourhoods ORDER BY code LIMIT 2")]
        code = client.post("/api/v1/workshops", json={"title": "Matrix", "neighbourhoods": hoods},
                           headers=_bearer(tokens[p.BEARER_FACILITATOR])).get_json()["code"]
        joined = client.post(f"/api/v1/workshops/{code}/participants", json={"name": "Ann"}).get_json()
        centre = db.execute("SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(geom) c "
                            "FROM neighbourhoods WHERE code = %s) q", (hoods[0],)).fetchone()
        note = client.post(f"/api/v1/workshops/{code}/notes", headers={
            "X-Participant-Token": joined["participant_token"]}, json={
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [centre["x"], centre["y"]]},
            "properties": {"kind": "gap", "text": "No youth club"}}).get_json()
        yield {"app": app, "db": db, "staff": staff, "a": a, "b": b, "offer_id": offer_id, "sent": sent,
               "tokens": tokens, "code": code, "note_id": note["id"],
               "participant": joined["participant_token"]}


def _confirm_link(world) -> str:
    token = contributions.new_token()
    world["db"].execute("INSERT INTO confirm_links (asset_id, token_hash, expires_at) VALUES (%s, %s, now() + "
                        "interval '1 day')", (world["a"].id, contributions.hash_token(token)))
    return token


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


SESSION_OF = {p.PLANNER: "pat@example.org", p.API_SESSION: "pat@example.org", p.FACILITATOR: "fay@example.org",
              p.ADMIN: "ada@example.org"}


def _client(world, actor):
    """A test client as `actor`, and the headers it sends."""
    client = world["app"].test_client()
    headers = {}
    if actor in SESSION_OF:
        user = world["db"].execute("SELECT id, session_generation FROM users WHERE email = %s",
                                   (SESSION_OF[actor],)).fetchone()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = str(user["id"]), True
            session["generation"] = user["session_generation"]
    if actor in world["tokens"]:
        headers = _bearer(world["tokens"][actor])
    if actor == p.PARTICIPANT:
        headers = {"X-Participant-Token": world["participant"]}
    return client, headers


EDIT_LINK_ROUTES = {"contribute.edit", "contribute.save", "contribute.withdraw", "freshness.confirm_edit",
                    "exchange.holder_list", "exchange.holder_request"}
REQUEST_IDS = {"exchange.holder_request", "planner_requests.one"}


def _url(world, rule, actor) -> str:
    """The rule's path with real values: this actor's own edit link where the route takes one."""
    values = {}
    for name in rule.arguments:
        if name == "token":
            if rule.endpoint in EDIT_LINK_ROUTES:
                values[name] = {p.HOLDER: world["a"].edit_token, p.OTHER_HOLDER: world["b"].edit_token}.get(
                    actor, MADE_UP_TOKEN)
            elif rule.endpoint == "freshness.confirm_link":
                values[name] = _confirm_link(world)   # a link works once: a new one for each request
            else:
                values[name] = {
                                "exchange.holder_page": world["sent"].holder_token,
                                "exchange.requester_page": world["sent"].requester_token}[rule.endpoint]
        elif name == "public_id":
            values[name] = world["sent"].public_id if rule.endpoint in REQUEST_IDS else world["a"].public_id
        else:
            values[name] = {
                "offer_id": world["offer_id"], "code": world["code"], "note_id": world["note_id"],
                "layer": "assets",
                "name": "assets" if rule.endpoint in ("tiles.tile", "tiles.tilejson") else "overlaps",
                "ext": "csv", "z": 0, "x": 0, "y": 0, "collection_id": "assets",
                "feature_id": str(world["a"].public_id), "filename": "js/dom.js", "upload_id": "A" * 20,
                "rejects_id": "A" * 20, "mapping_id": 999_999, "job_id": 999_999, "need_id": 999_999,
                "message_id": 999_999, "token_id": 999_999, "layer_name": "assets",
            }.get(name, "assets")
    if rule.endpoint == "planner_data.download":
        values = {"layer": "assets", "ext": "csv"}
    if rule.endpoint == "vendor.file":
        values = {"filename": "leaflet/dist/leaflet.js"}
    return rule.build(values, append_unknown=False)[1]


PRIVATE_LINK_POLICIES = (p.HOLDERS, p.THIS_HOLDER, p.LINK)


def _turned_away(endpoint, response, allowed) -> bool:
    location = response.headers.get("Location", "")
    if endpoint == "auth.sign_out":
        return False   # its success is a redirect to the sign-in page
    if response.status_code in (401, 403):
        return True
    if response.status_code in (302, 303) and ("/sign-in" in location or "/w/" in location):
        return True
    return response.status_code == 404 and allowed in PRIVATE_LINK_POLICIES


def _order(item):
    """Reads first, then writes; the writes that end something (withdraw, close, sign out) last."""
    rule, method = item
    ending = any(w in rule.endpoint for w in ("withdraw", "close", "lock", "sign_out", "set_active", "revoke",
                                              "discard", "control_action"))
    return (method != "GET", ending, rule.rule, method)


def test_every_route_has_a_policy(world):
    endpoints = {r.endpoint for r in world["app"].url_map.iter_rules()}
    assert sorted(endpoints - set(p.POLICY)) == [], "routes without a policy in tests/trust/policy.py"
    assert sorted(set(p.POLICY) - endpoints) == [], "policies for routes that no longer exist"


def test_the_matrix(world):
    cases = sorted(((rule, method) for rule in world["app"].url_map.iter_rules()
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})), key=_order)
    wrong, asked = [], 0
    for rule, method in cases:
        allowed = p.POLICY[rule.endpoint]
        for actor in p.ACTORS:
            client, headers = _client(world, actor)
            url = _url(world, rule, actor)
            response = client.open(url, method=method, headers=headers, buffered=False)
            status, location = response.status_code, response.headers.get("Location", "")
            response.close()   # a live stream is not read
            asked += 1
            turned_away = _turned_away(rule.endpoint, response, allowed)
            if status >= 500:
                wrong.append(f"{method} {url} as {actor}: {status}")
            elif turned_away == (actor in allowed):
                expected = "through" if actor in allowed else "turned away"
                wrong.append(f"{method} {url} as {actor}: expected {expected}, got {status} {location}")
    print(f"authorisation matrix: {len(cases)} routes and methods × {len(p.ACTORS)} actors = {asked} requests")
    assert wrong == [], "\n".join(wrong)
