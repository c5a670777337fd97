"""An entry's history for planners: every version with what it changed, any earlier one put back (audited), and
the audit log exported for a date range."""

import json
from datetime import date, timedelta

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from assetmap.cli import main
from assetmap.model import contributions, history, moderation, users
from assetmap.model.submission import validate
from tests.helpers import XSS, add_staff, close_app, csrf_token, make_app, sign_in


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


def entry(**fields):
    return {"name": "Mill Lane Hall", "category": "community_centre", "lon": -0.9, "lat": 52.6,
            "description": "A hall"} | fields


def test_a_planner_sees_every_version_and_puts_one_back(app, db):
    pat = users.get_user(db, db.execute("SELECT id FROM users WHERE email = 'pat@example.org'").fetchone()["id"])
    made = contributions.create_asset(db, validate(db, entry()))
    moderation.moderate(db, [made.id], "approve", None, pat)
    shown = contributions.find_by_token(db, made.edit_token)
    contributions.update_by_token(db, made.edit_token, validate(db, entry(contact_phone="01234 567890")),
                                  shown.version)
    # A change the public sees waits for a planner; approved, the name and description move on.
    contributions.update_by_token(db, made.edit_token, validate(db, entry(name=XSS, description="Bigger")),
                                  contributions.find_by_token(db, made.edit_token).version)
    moderation.moderate(db, [made.id], "approve", None, pat)
    assert db.execute("SELECT name FROM assets WHERE id = %s", (made.id,)).fetchone()["name"] == XSS

    client = app.test_client()
    sign_in(client)
    page = client.get(f"/planner/assets/{made.public_id}/history")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html   # escaped
    assert "Name: Mill Lane Hall → " in html and "First version" in html
    first = history.history(db, made.public_id).versions[-1].version
    response = client.post(f"/planner/assets/{made.public_id}/revert", data={
        "version": first, "csrf_token": csrf_token(client, f"/planner/assets/{made.public_id}/history")})
    assert response.status_code == 303
    now = db.execute("SELECT name, description, status FROM assets WHERE id = %s", (made.id,)).fetchone()
    assert now == {"name": "Mill Lane Hall", "description": "A hall", "status": "published"}
    revert = db.execute("SELECT actor, reason, before->>'name' AS was, after->>'name' AS is FROM audit_log "
                        "WHERE action = 'revert'").fetchone()
    assert revert == {"actor": "user:pat@example.org", "reason": f"back to version {first}", "was": XSS,
                      "is": "Mill Lane Hall"}
    newest = history.history(db, made.public_id).versions[0]
    assert newest.version == now_version(db, made.id) and newest.actor == "user:pat@example.org"


def now_version(db, asset_id):
    return db.execute("SELECT version FROM assets WHERE id = %s", (asset_id,)).fetchone()["version"]


def test_a_version_that_does_not_exist_is_refused(app, db):
    made = contributions.create_asset(db, validate(db, entry()))
    client = app.test_client()
    sign_in(client)
    token = csrf_token(client, f"/planner/assets/{made.public_id}/history")
    assert client.post(f"/planner/assets/{made.public_id}/revert", data={"version": 99,
                                                                         "csrf_token": token}).status_code == 404
    assert client.post(f"/planner/assets/{made.public_id}/revert", data={"csrf_token": token}).status_code == 400
    assert now_version(db, made.id) == 1


def test_the_audit_log_exports_for_a_date_range(fresh_db_url, db):
    contributions.create_asset(db, validate(db, entry()))
    db.execute("UPDATE audit_log SET at = now() - interval '40 days' WHERE id = (SELECT min(id) FROM audit_log)")
    today = date.today()
    run = CliRunner().invoke(main, ["audit", "export", "--from", f"{today - timedelta(days=1)}", "--to", f"{today}"],
                             env={"DATABASE_URL": fresh_db_url})
    assert run.exit_code == 0, run.output
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    total = db.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"]
    assert len(lines) == total - 1 and all({"at", "actor", "action", "entity", "before", "after"} <= set(r)
                                           for r in lines)
