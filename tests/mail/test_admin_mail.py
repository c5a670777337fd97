"""The admins' dead-letter page, `/admin/mail`: who may see it, what it shows, and sending again or discarding, with
a real worker and SMTP server behind it."""

import time

import pytest

from assetmap.mail import outbox
from assetmap.model import users
from tests.helpers import PASSWORD, XSS, add_staff, csrf_token, running_app, sign_in


@pytest.fixture
def staff(db):
    add_staff(db)
    users.add_user(db, "ada@example.org", PASSWORD, "admin", "Ada")
    return db


@pytest.fixture
def client(settings, staff):
    with running_app(settings.database_url, smtp_url=settings.smtp_url, public_url=settings.public_url,
                     mail_from=settings.mail_from) as app:
        yield app.test_client()


def post(client, url):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/mail")}, follow_redirects=True)


def wait_for_dead(db, count: int, seconds: float = 10) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        dead = outbox.dead_letters(db)
        if len(dead) >= count:
            return dead
        time.sleep(0.05)
    pytest.fail(f"{count} dead message(s) expected within {seconds} s")


def test_only_admins_see_the_page(client, settings, staff):
    outbox.enqueue(staff, settings, to="holder@example.org", subject="s", body="b", topic="request")
    message_id = staff.execute("SELECT id FROM outbox").fetchone()["id"]
    response = client.get("/admin/mail")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.post(f"/admin/mail/{message_id}/retry").status_code in (302, 400)   # no session (or no CSRF)
    sign_in(client)                                                   # a planner
    assert client.get("/admin/mail").status_code == 403
    token = csrf_token(client, "/planner/moderation")
    for action in ("retry", "discard"):
        assert client.post(f"/admin/mail/{message_id}/{action}", data={"csrf_token": token}).status_code == 403
    assert ">Mail<" not in client.get("/planner/moderation").get_data(as_text=True)
    assert staff.execute("SELECT count(*) AS n FROM audit_log WHERE entity = 'outbox'").fetchone()["n"] == 0


def test_a_refused_message_is_listed_sent_again_and_delivered(client, settings, staff, inbox, start_worker):
    inbox.refuse = "550 5.1.1 <nobody@example.org>: no such user"
    start_worker(settings, poll_seconds=60)
    outbox.enqueue(staff, settings, to="nobody@example.org", subject=f"Your request {XSS}", body="Hello",
                   topic="request")
    [dead] = wait_for_dead(staff, 1)

    sign_in(client, "ada@example.org")
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "Mail is sent through <code>smtp://127.0.0.1:" in html and "Mail is off" not in html
    assert "nobody@example.org" in html and "550 5.1.1" in html and "<td>request</td>" in html
    assert XSS not in html and "Your request &lt;img" in html
    assert "<dt>Given up</dt><dd>1</dd>" in html and ">Mail<" in html

    inbox.refuse = None
    html = post(client, f"/admin/mail/{dead.id}/retry").get_data(as_text=True)
    assert f"Message {dead.id}" in html and "is in the queue again" in html
    [msg] = inbox.wait_for(1)      # the retry woke the worker: its poll is a minute
    assert msg["To"] == "nobody@example.org" and msg["Subject"] == f"Your request {XSS}"
    assert outbox.dead_letters(staff) == []
    audit = staff.execute("SELECT a.action, a.entity_id, a.before, u.email FROM audit_log a JOIN users u "
                          "ON u.id = a.user_id WHERE a.entity = 'outbox'").fetchall()
    assert [(a["action"], a["entity_id"], a["email"]) for a in audit] == [("retry", dead.id, "ada@example.org")]
    assert audit[0]["before"]["last_error"].startswith("recipient refused: 550 5.1.1")

    html = post(client, f"/admin/mail/{dead.id}/retry").get_data(as_text=True)   # sent now: nothing to retry
    assert f"There is no given-up message {dead.id}" in html


def test_discard_deletes_the_message_and_audits_it(client, settings, staff, inbox, start_worker):
    inbox.refuse = "554 5.7.1 Rejected"
    start_worker(settings, poll_seconds=60)
    outbox.enqueue(staff, settings, to="gone@example.org", subject="Old news", body="b", topic="decision")
    [dead] = wait_for_dead(staff, 1)
    sign_in(client, "ada@example.org")
    html = post(client, f"/admin/mail/{dead.id}/discard").get_data(as_text=True)
    assert f"Message {dead.id} (“Old news”) was discarded." in html and "No message has been given up on." in html
    assert staff.execute("SELECT count(*) AS n FROM outbox").fetchone()["n"] == 0
    [audit] = staff.execute("SELECT action, before FROM audit_log WHERE entity = 'outbox'").fetchall()
    assert audit["action"] == "discard" and audit["before"]["to"] == "gone@example.org"
    assert inbox.messages == []


def test_the_page_says_when_mail_is_off(fresh_db_url, staff):
    with running_app(fresh_db_url, smtp_url=None) as app:
        client = app.test_client()
        sign_in(client, "ada@example.org")
        html = client.get("/admin/mail").get_data(as_text=True)
    assert "Mail is off: <code>ASSETMAP_SMTP_URL</code> is not set" in html
    assert "<dt>Waiting to be sent</dt><dd>0 (due now: 0)</dd>" in html
