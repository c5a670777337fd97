"""Accounts that end when they should: sign-in delays per account and address, sign-out and a new password ending
every copy of a session, tokens only for the API, tokens that expire."""

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from assetmap.cli import main as cli
from assetmap.model import sign_in as attempts
from assetmap.model import users
from assetmap.model.contributions import create_asset
from assetmap.model.submission import validate
from tests.helpers import PASSWORD, add_staff, close_app, csrf_token, make_app

OFFICE, ELSEWHERE = "10.1.1.1", "10.9.9.9"


@pytest.fixture
def db(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        yield conn


@pytest.fixture
def app(fresh_db_url, db):
    application = make_app(fresh_db_url)
    yield application
    close_app(application)


def attempt(app, password, email="pat@example.org", address=OFFICE, client=None):
    client = client or app.test_client()
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=environ)


def test_delays_grow_per_account_and_address_and_a_correct_password_resets_them(app, db):
    for n in range(attempts.FREE):
        assert attempt(app, f"wrong password {n}").status_code == 400
    refused = attempt(app, PASSWORD)   # right password, but within the delay after five failures
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "1"
    # Nobody failing at the office slows the same planner anywhere else, nor another account at the office.
    assert attempt(app, PASSWORD, address=ELSEWHERE).status_code == 302
    assert attempt(app, PASSWORD, email="fay@example.org").status_code == 302
    db.execute("UPDATE sign_in_failures SET last_failed_at = now() - interval '2 seconds'")
    assert attempt(app, PASSWORD).status_code == 302
    assert db.execute("SELECT count(*) AS n FROM sign_in_failures WHERE email = 'pat@example.org' "
                      "AND client = %s", (OFFICE,)).fetchone()["n"] == 0


def test_the_delay_doubles_and_is_capped():
    assert [attempts.delay(n) for n in range(4, 9)] == [0, 1, 2, 4, 8]
    assert attempts.delay(100) == attempts.MAX_DELAY


def test_failing_on_purpose_elsewhere_cannot_lock_a_planner_out(app, db):
    db.execute("INSERT INTO sign_in_failures VALUES ('pat@example.org', %s, 50, now())", (ELSEWHERE,))
    assert attempt(app, PASSWORD, address=ELSEWHERE).status_code == 429
    assert attempt(app, PASSWORD).status_code == 302


def test_spraying_from_one_address_stops_only_accounts_never_used_there(app, db):
    assert attempt(app, PASSWORD).status_code == 302          # pat has signed in at the office before
    db.execute("""INSERT INTO sign_in_failures
                  SELECT 'user' || i || '@example.org', %s, 4, now() FROM generate_series(1, 25) i""", (OFFICE,))
    assert attempt(app, PASSWORD).status_code == 302
    refused = attempt(app, PASSWORD, email="fay@example.org")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == attempts.ADDRESS_WINDOW
    assert attempt(app, PASSWORD, email="fay@example.org", address=ELSEWHERE).status_code == 302


def signed_in_copy(app):
    """A signed-in client, and a second client holding a copy of its session cookie."""
    client = app.test_client()
    assert attempt(app, PASSWORD, client=client).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/planner/moderation").status_code == 200
    return client, copy


def test_sign_out_ends_a_copied_session_too(app):
    client, copy = signed_in_copy(app)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/planner/moderation")})
    assert copy.get("/planner/moderation").status_code == 302
    assert copy.get("/planner/data/export/assets.csv?internal=1").status_code == 302


def test_a_new_password_ends_open_sessions(app, db):
    _, copy = signed_in_copy(app)
    users.set_password(db, "pat@example.org", "another long enough password")
    assert copy.get("/planner/moderation").status_code == 302
    assert attempt(app, PASSWORD).status_code == 400
    assert attempt(app, "another long enough password").status_code == 302
    assert db.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'password'").fetchone()["n"] == 1


def test_disabling_an_account_ends_its_sessions_for_good(app, db):
    _, copy = signed_in_copy(app)
    users.set_active(db, "pat@example.org", False)
    users.set_active(db, "pat@example.org", True)   # enabled again: the old session stays ended
    assert copy.get("/planner/moderation").status_code == 302


def test_a_bearer_token_opens_no_staff_page(app, db):
    token = users.create_token(db, "pat@example.org")
    response = app.test_client().get("/planner/moderation", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_api_ignores_the_session_cookie_on_a_single_asset(app, db):
    made = create_asset(db, validate(db, {"name": "Pending hall", "category": "community_centre",
                                          "lon": -0.9, "lat": 52.6}))
    public_id = db.execute("SELECT public_id FROM assets WHERE id = %s", (made.id,)).fetchone()["public_id"]
    client = app.test_client()
    assert attempt(app, PASSWORD, client=client).status_code == 302
    assert client.get(f"/api/v1/assets/{public_id}").status_code == 404
    token = users.create_token(db, "pat@example.org")
    assert client.get(f"/api/v1/assets/{public_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_tokens_expire(app, db):
    token = users.create_token(db, "pat@example.org", days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/analysis/overlaps", headers=headers).status_code != 401
    db.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second'")
    assert app.test_client().get("/api/v1/analysis/overlaps", headers=headers).status_code == 401
    with pytest.raises(Exception, match="1 to 3650 days"):
        users.create_token(db, "pat@example.org", days=0)


def test_cli_lists_tokens_with_their_expiry_and_sets_passwords(fresh_db_url, db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    runner = CliRunner()
    made = runner.invoke(cli, ["user", "token", "pat@example.org", "--days", "30", "--label", "QGIS"])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(cli, ["user", "tokens"])
    assert listed.exit_code == 0 and "QGIS" in listed.output and "expires" in listed.output
    changed = runner.invoke(cli, ["user", "password", "pat@example.org"], input="a brand new long password\n")
    assert changed.exit_code == 0, changed.output
    assert users.authenticate(db, "pat@example.org", "a brand new long password") is not None
