"""Staff sign-in and the planners' moderation pages, through Flask's test client with CSRF on."""

import re

import psycopg
import pytest
from flask import Blueprint, jsonify
from flask_login import current_user
from psycopg.rows import dict_row

from assetmap.model import users
from assetmap.model.contributions import create_asset
from assetmap.model.submission import validate
from assetmap.web import auth as staff_auth
from assetmap.web import planner
from tests.helpers import CSRF, PASSWORD, XSS, add_staff, close_app, csrf_token, make_app, sign_in

LON, LAT = -0.9, 52.6


def staff_app(url):
    """The app as create_app builds it, plus two probe routes behind the staff decorators."""
    app = make_app(url)
    probe = Blueprint("probe", __name__)

    @probe.get("/api/v1/_probe/token")
    @staff_auth.api_staff_required("planner", "admin")
    def token_probe():
        return jsonify(email=current_user.email, via_token=current_user.via_token)

    @probe.get("/api/v1/_probe/session")
    @staff_auth.staff_required("planner", "admin")
    def session_probe():
        return jsonify(email=current_user.email)

    app.register_blueprint(probe)
    return app


@pytest.fixture
def db(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        yield conn


@pytest.fixture
def app(fresh_db_url, db):
    application = staff_app(fresh_db_url)
    yield application
    close_app(application)


@pytest.fixture
def client(app):
    return app.test_client()


def add(conn, name, north_m=0.0, status="pending", **fields) -> int:
    data = {"name": name, "category": "community_centre", "lon": LON, "lat": LAT + north_m / 111_200} | fields
    return create_asset(conn, validate(conn, data), status=status).id


def post(client, url, data, page="/planner/moderation"):
    """A form post with the CSRF token read from the page the form is on; follows the redirect back."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data}, follow_redirects=True)


def status_of(conn, asset_id):
    return conn.execute("SELECT status FROM assets WHERE id = %s", (asset_id,)).fetchone()["status"]


# -- signing in -------------------------------------------------------------------------------------------------

def test_sign_in_page(client):
    response = client.get("/sign-in")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'type="email" id="email" name="email"' in html and 'autocomplete="current-password"' in html
    assert CSRF.search(html)


def test_a_wrong_password_keeps_the_email_and_says_nothing_more(client, auth):
    response = auth.sign_in(password="not the password")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="pat@example.org"' in html
    assert "The email or password is wrong." in html and "not the password" not in html
    unknown = auth.sign_in(email="nobody@example.org").get_data(as_text=True)
    assert "The email or password is wrong." in unknown and 'value="nobody@example.org"' in unknown


def test_sign_in_without_the_csrf_token_is_refused(client):
    response = client.post("/sign-in", data={"email": "pat@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/planner/moderation").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, auth):
    response = client.get("/planner/moderation?page=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/planner/moderation?page%3D1"
    response = auth.sign_in(next="/planner/moderation?page=1")
    assert response.status_code == 302 and response.headers["Location"] == "/planner/moderation?page=1"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "evil", "/\nSet-Cookie: x"])
def test_next_never_leaves_the_site(client, target, auth):
    response = auth.sign_in(next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/planner/moderation"


def test_sign_in_starts_a_new_session(client, auth):
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
    auth.sign_in()
    with client.session_transaction() as s:
        assert "planted" not in s and s["_user_id"]
    assert client.get("/planner/moderation").status_code == 200


def test_sign_out(client, auth):
    auth.sign_in()
    assert client.get("/sign-out").status_code == 405       # a link cannot sign anyone out
    response = auth.sign_out()
    assert "You are signed out." in response.get_data(as_text=True)
    assert client.get("/planner/moderation").status_code == 302


def test_a_facilitator_may_not_moderate(app, client, db, auth):
    auth.sign_in(email="fay@example.org")
    assert client.get("/planner/moderation").status_code == 403
    asset = add(db, "Hall")
    # No page gives a facilitator this form's token; without CSRF checks, the role check still stops it.
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/planner/moderation/decide", data={"asset_id": asset, "action": "approve"})
    assert response.status_code == 403 and status_of(db, asset) == "pending"


def test_a_deactivated_account_is_signed_out(client, db, auth):
    auth.sign_in()
    db.execute("UPDATE users SET active = false WHERE email = 'pat@example.org'")
    assert client.get("/planner/moderation").status_code == 302




# -- API tokens -------------------------------------------------------------------------------------------------

def test_the_api_takes_bearer_tokens_and_never_the_session_cookie(client, db, auth):
    token = users.create_token(db, "pat@example.org")
    auth.sign_in()
    response = client.get("/api/v1/_probe/token")           # signed in, but by cookie only
    assert response.status_code == 401 and response.json["error"] == "unauthorised"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")

    response = client.get("/api/v1/_probe/token", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json == {"email": "pat@example.org", "via_token": True}

    assert client.get("/api/v1/_probe/token", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client.get("/api/v1/_probe/token", headers={"Authorization": f"Basic {token}"}).status_code == 401
    db.execute("UPDATE api_tokens SET revoked_at = now()")
    assert client.get("/api/v1/_probe/token", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_api_roles_and_anonymous_json(client, db):
    token = users.create_token(db, "fay@example.org")
    response = client.get("/api/v1/_probe/token", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json["error"] == "forbidden"
    response = client.get("/api/v1/_probe/session")
    assert response.status_code == 401 and response.is_json


def test_staff_required_under_the_api_ignores_the_session_too(client, db, auth):
    token = users.create_token(db, "pat@example.org")
    auth.sign_in()
    assert client.get("/api/v1/_probe/session").status_code == 401
    response = client.get("/api/v1/_probe/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json == {"email": "pat@example.org"}


# -- the moderation queue ---------------------------------------------------------------------------------------

def test_the_queue_shows_pending_entries_escaped(client, db, auth):
    asset = add(db, XSS, description=f"Come along {XSS}", postcode="AV1 2AB", contact_email="me@example.org",
                capacity=[{"kind": "space", "quantity": 20, "unit": "places", "description": XSS}])
    add(db, "Already published", status="published")
    auth.sign_in()
    response = client.get("/planner/moderation")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Already published" not in html
    assert f'id="asset-{asset}"' in html and "1 waiting" in html
    assert f"{LAT:.6f}, {LON:.6f}" in html                     # the exact point
    assert "me@example.org" in html and "20 places" in html and "AV1 2AB" in html
    # One map for the page, with its script allowed by the page's nonce.
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in html and "L.circleMarker(" in html
    assert 'src="http' not in html


def test_an_empty_queue(client, auth):
    auth.sign_in()
    html = client.get("/planner/moderation").get_data(as_text=True)
    assert "Nothing is waiting for moderation." in html and "L.map(" not in html
    response = client.get("/planner/moderation?page=3")
    assert response.status_code == 302 and response.headers["Location"] == "/planner/moderation"
    assert client.get("/planner/moderation?page=x").status_code == 400


def test_approve_and_reject_one(client, db, auth):
    a, b = add(db, "Hall A"), add(db, "Hall B", north_m=500)
    auth.sign_in()
    html = post(client, "/planner/moderation/decide", {"asset_id": a, "action": "approve"}).get_data(as_text=True)
    assert "Published 1 entry." in html and status_of(db, a) == "published"

    html = post(client, "/planner/moderation/decide",
                {"asset_id": b, "action": "reject", "reason": ""}).get_data(as_text=True)
    assert "Give a reason for rejecting" in html and status_of(db, b) == "pending"
    html = post(client, "/planner/moderation/decide",
                {"asset_id": b, "action": "reject", "reason": "Not a public place"}).get_data(as_text=True)
    assert "Rejected 1 entry." in html and status_of(db, b) == "rejected"
    assert db.execute("SELECT moderation_reason FROM assets WHERE id = %s", (b,)).fetchone()["moderation_reason"] \
        == "Not a public place"


def test_bulk_decisions(client, db, auth):
    a, b, c = add(db, "Hall A"), add(db, "Hall B", north_m=500), add(db, "Hall C", north_m=1000)
    auth.sign_in()
    html = post(client, "/planner/moderation/decide",
                {"asset_id": [a, c], "action": "reject", "reason": "Test entries"}).get_data(as_text=True)
    assert "Rejected 2 entries." in html
    assert [status_of(db, i) for i in (a, b, c)] == ["rejected", "pending", "rejected"]
    html = post(client, "/planner/moderation/decide", {"action": "approve"}).get_data(as_text=True)
    assert "Nothing is ticked: tick the entries to approve or reject first." in html


def test_a_decision_on_an_entry_changed_meanwhile_is_refused(client, db, auth):
    asset = add(db, "Hall")
    auth.sign_in()
    html = client.get("/planner/moderation").get_data(as_text=True)
    version = re.search(rf'name="version_{asset}" value="(\d+)"', html).group(1)
    db.execute("UPDATE assets SET description = 'changed' WHERE id = %s", (asset,))
    html = post(client, "/planner/moderation/decide",
                {"asset_id": asset, f"version_{asset}": version, "action": "approve"}).get_data(as_text=True)
    assert "changed after you loaded the page" in html and status_of(db, asset) == "pending"


def test_merge_from_the_queue(client, db, auth):
    keep = add(db, "Mill Lane Community Centre", status="published")
    dupe = add(db, "Mill Lane Community Centre", north_m=20, description="Big hall",
               capacity=[{"kind": "space"}])
    auth.sign_in()
    html = client.get("/planner/moderation").get_data(as_text=True)
    assert "Possible duplicates" in html and f'name="keep_id" value="{keep}"' in html
    asking = post(client, "/planner/moderation/merge", {"keep_id": keep, "merge_id": dupe}).get_data(as_text=True)
    assert "Merge “Mill Lane Community Centre” into “Mill Lane Community Centre”?" in asking
    assert status_of(db, dupe) == "pending"          # asking to merge merges nothing
    html = post(client, "/planner/moderation/merge",
                {"keep_id": keep, "merge_id": dupe, "confirm": "yes"}).get_data(as_text=True)
    name = "Mill Lane Community Centre"
    assert (f"Merged “{name}” (entry {dupe}) into “{name}” (entry {keep}): 1 offer moved; filled in description."
            in html)
    assert status_of(db, dupe) == "archived" and status_of(db, keep) == "published"
    assert "Nothing is waiting for moderation." in html
    assert "Recent merges" in html and f'name="merge_id" value="{dupe}"' in html
    html = post(client, "/planner/moderation/unmerge", {"merge_id": dupe}).get_data(as_text=True)
    assert f"Undid the merge of “{name}” (entry {dupe}) into “{name}”: 1 offer moved back." in html
    assert status_of(db, dupe) == "pending" and "Recent merges" not in html


def test_approving_links_to_the_published_entry(client, db, auth):
    asset = add(db, XSS)
    auth.sign_in()
    html = post(client, "/planner/moderation/decide", {"asset_id": asset, "action": "approve"}).get_data(as_text=True)
    public_id = db.execute("SELECT public_id FROM assets WHERE id = %s", (asset,)).fetchone()["public_id"]
    assert "Published 1 entry." in html and f'href="/assets/{public_id}"' in html
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_filters_sort_and_keep_their_place(client, db, auth):
    a = add(db, "Alpha Hall", category="library")
    b = add(db, "Beta Hall", north_m=500)
    db.execute("UPDATE assets SET source = 'osm' WHERE id = %s", (b,))
    auth.sign_in()
    html = client.get("/planner/moderation?category=library").get_data(as_text=True)
    assert "1 waiting of 2 (filtered)" in html and "Alpha Hall" in html and "Beta Hall" not in html
    assert '<option value="library" selected>' in html and "Clear the filters" in html
    html = client.get("/planner/moderation?source=osm&sort=newest").get_data(as_text=True)
    assert "Beta Hall" in html and "Alpha Hall" not in html
    assert '<input type="hidden" name="source" value="osm">' in html
    # A decision returns to the queue as filtered.
    response = client.post("/planner/moderation/decide", data={
        "csrf_token": csrf_token(client, "/planner/moderation"), "asset_id": b, "action": "approve",
        "source": "osm", "sort": "newest"})
    assert response.status_code == 302 and "source=osm" in response.location and "sort=newest" in response.location
    assert client.get("/planner/moderation?sort=sideways").status_code == 400
    html = client.get("/planner/moderation?source=osm").get_data(as_text=True)
    assert "No entry waiting matches these filters." in html and status_of(db, a) == "pending"


def test_the_queue_offers_reasons_and_shows_what_an_edit_changed(client, db, auth):
    from assetmap.model import moderation as decisions
    from assetmap.model.contributions import update_by_token
    made = create_asset(db, validate(db, {"name": "Hall", "category": "community_centre", "lon": LON, "lat": LAT}))
    decisions.moderate(db, [made.id], "approve", None, users.authenticate(db, "pat@example.org", PASSWORD))
    version = db.execute("SELECT version FROM assets WHERE id = %s", (made.id,)).fetchone()["version"]
    update_by_token(db, made.edit_token, validate(db, {"name": XSS, "category": "community_centre", "lon": LON,
                                                        "lat": LAT}), version)
    auth.sign_in()
    html = client.get("/planner/moderation").get_data(as_text=True)
    assert "A change to an entry on the map." in html and "The change, against the published version" in html
    assert f'name="change_version_{made.id}"' in html and f'name="version_{made.id}"' not in html
    assert "<del>Hall</del>" in html and "<ins>&lt;img src=x onerror=alert(1)&gt;</ins>" in html
    assert '<datalist id="reasons">' in html and 'list="reasons"' in html
    assert decisions.REJECTION_REASONS[0] in html
    assert 'data-select-all="bulk"' in html


def test_forms_without_csrf_tokens_are_refused(client, db, auth):
    asset = add(db, "Hall")
    auth.sign_in()
    response = client.post("/planner/moderation/decide", data={"asset_id": asset, "action": "approve"})
    assert response.status_code == 400 and status_of(db, asset) == "pending"


def test_the_queue_of_the_demo_town(fresh_demo_db_url):
    with psycopg.connect(fresh_demo_db_url, autocommit=True) as conn:
        users.add_user(conn, "pat@example.org", PASSWORD, "planner")
        pending = conn.execute("SELECT count(*) FROM assets WHERE status = 'pending'").fetchone()[0]
    assert pending > 0
    app = staff_app(fresh_demo_db_url)
    try:
        client = app.test_client()
        sign_in(client)
        html = client.get("/planner/moderation").get_data(as_text=True)
    finally:
        close_app(app)
    assert f"{pending} waiting" in html
    assert html.count('class="queue-item"') == min(pending, planner.PAGE_SIZE)
    assert html.count("L.circleMarker(") == min(pending, planner.PAGE_SIZE)


def test_the_queue_warns_of_the_same_name_elsewhere(client, db, auth):
    add(db, "Knit and Natter")
    add(db, "Knit and Natter", north_m=3000, status="published")
    auth.sign_in()
    html = client.get("/planner/moderation").get_data(as_text=True)
    assert "The same name is on the map elsewhere" in html and "3.0 km away" in html


def test_the_queue_shows_schedules_in_words(client, db, auth):
    add(db, "Hall", capacity=[{"kind": "space", "schedule": "Tu,Th 18:00-21:00"}])
    auth.sign_in()
    html = client.get("/planner/moderation").get_data(as_text=True)
    assert '<data class="schedule" value="Tu,Th 18:00-21:00">Tuesdays and Thursdays, 6pm to 9pm</data>' in html
