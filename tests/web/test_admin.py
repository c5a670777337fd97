"""The admins' accounts page and the staff menu: the same actions as `assetmap user …`, each audited."""

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from assetmap.cli import main
from assetmap.model import users
from tests.helpers import PASSWORD, XSS, add_staff, csrf_token, running_app


@pytest.fixture
def db(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        users.add_user(conn, "ada@example.org", PASSWORD, "admin", "Ada")
        yield conn


@pytest.fixture
def app(fresh_db_url, db):
    with running_app(fresh_db_url) as application:
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/users"), **data}, follow_redirects=True)


def test_only_admins_reach_the_page(client, auth):
    assert client.get("/admin/users").status_code == 302           # to sign-in
    auth.sign_in()                                                   # a planner
    assert client.get("/admin/users").status_code == 403
    html = client.get("/planner/moderation").get_data(as_text=True)
    assert ">Moderation<" in html and ">Import<" in html and ">Accounts<" not in html and "Sign out" in html


def test_add_disable_enable_and_tokens(client, db, auth):
    auth.sign_in("ada@example.org")
    html = client.get("/admin/users").get_data(as_text=True)
    assert ">Accounts<" in html and "pat@example.org" in html and "Signed in as Ada (admin)" in html

    html = post(client, "/admin/users", {"email": "Sam@Example.org", "display_name": XSS, "role": "planner",
                                         "password": PASSWORD}).get_data(as_text=True)
    assert "Added sam@example.org as planner." in html and XSS not in html and "&lt;img" in html
    assert users.authenticate(db, "sam@example.org", PASSWORD) is not None

    html = post(client, "/admin/tokens", {"email": "sam@example.org", "label": "QGIS"}).get_data(as_text=True)
    assert "shown only this once" in html
    token = html.split('id="token-value" readonly rows="2">')[1].split("<")[0]
    assert users.user_for_token(db, token).email == "sam@example.org"

    post(client, "/admin/users/active", {"email": "sam@example.org", "active": "0"})
    assert users.authenticate(db, "sam@example.org", PASSWORD) is None and users.user_for_token(db, token) is None
    post(client, "/admin/users/active", {"email": "sam@example.org", "active": "1"})
    assert users.user_for_token(db, token) is not None

    token_id = db.execute("SELECT id FROM api_tokens").fetchone()["id"]
    html = post(client, f"/admin/tokens/{token_id}/revoke", {}).get_data(as_text=True)
    assert f"Revoked token {token_id} of sam@example.org." in html and users.user_for_token(db, token) is None
    actions = [r["action"] for r in db.execute("SELECT action FROM audit_log WHERE entity IN ('users', "
                                               "'api_tokens') ORDER BY id")]
    assert actions == ["disable", "enable", "revoke"]


def test_mistakes_keep_what_was_typed_and_say_what_is_wrong(client, db, auth):
    auth.sign_in("ada@example.org")
    response = post(client, "/admin/users", {"email": "new@example.org", "display_name": "New", "role": "planner",
                                             "password": "short"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Password must be at least 12 characters" in html
    assert 'value="new@example.org"' in html and 'value="New"' in html and "short" not in html
    response = post(client, "/admin/users", {"email": "pat@example.org", "role": "planner", "password": PASSWORD})
    assert response.status_code == 409 and "already an account" in response.get_data(as_text=True)
    html = post(client, "/admin/users/active", {"email": "ada@example.org", "active": "0"}).get_data(as_text=True)
    assert "You cannot disable your own account" in html
    assert users.authenticate(db, "ada@example.org", PASSWORD) is not None
    assert post(client, "/admin/tokens/999/revoke", {}).status_code == 200   # back to the page, with the message


def test_the_footer_offers_staff_sign_in_to_everyone_else(client):
    assert 'href="/sign-in">Staff sign-in</a>' in client.get("/assets").get_data(as_text=True)


def test_the_cli_does_the_same(fresh_db_url, db):
    run = CliRunner().invoke
    env = {"DATABASE_URL": fresh_db_url}
    assert run(main, ["user", "disable", "pat@example.org"], env=env).exit_code == 0
    assert users.authenticate(db, "pat@example.org", PASSWORD) is None
    assert run(main, ["user", "enable", "pat@example.org"], env=env).exit_code == 0
    token = run(main, ["user", "token", "pat@example.org", "--label", "x"], env=env).output.splitlines()[0]
    listed = run(main, ["user", "list"], env=env).output
    assert "pat@example.org\tplanner\tactive\t1 live token(s)" in listed and "token 1\tpat@example.org\tlive" in listed
    assert run(main, ["user", "revoke", "1"], env=env).exit_code == 0
    assert users.user_for_token(db, token) is None
    missing = run(main, ["user", "disable", "nobody@example.org"], env=env)
    assert missing.exit_code == 1 and "no account for nobody@example.org" in missing.output
