"""The mail worker against a real SMTP server (aiosmtpd on loopback) and a real PostGIS: what arrives, retries with
growing pauses, giving up, several workers at once, waking on NOTIFY, and surviving the server or database going."""

import re
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import replace
from datetime import timedelta
from email.utils import parsedate_to_datetime

import psycopg
import pytest
from aiosmtpd.smtp import AuthResult

from assetmap.mail import outbox
from assetmap.mail.worker import Result, backoff, send_due
from tests.smtp import SmtpServer

BODY = "Merci — a room for 20 on Tuesday, £5 a night ✓\nSecond line.\n"


def queue(db, settings, n: int = 1, **fields) -> None:
    for i in range(n):
        assert outbox.enqueue(db, settings, to=fields.get("to", f"holder{i}@example.org"),
                              subject=fields.get("subject", f"Message {i}"), body=fields.get("body", BODY),
                              topic=fields.get("topic", "request"), dedupe_key=fields.get("dedupe_key"))


def row(db):
    return db.execute("SELECT * FROM outbox ORDER BY id DESC LIMIT 1").fetchone()


def make_due(db) -> None:
    """As if the pause had passed."""
    db.execute("UPDATE outbox SET next_attempt_at = now() WHERE sent_at IS NULL AND dead_at IS NULL")


def wait_until(check, seconds: float = 10, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} not met within {seconds} s")


def test_a_queued_message_arrives_with_its_headers_and_utf8_body(db, settings, inbox):
    queue(db, settings, to="holder@example.org", subject="Café: a request for your room — ✓", topic="request")
    assert send_due(db, settings) == Result(sent=1)
    [msg] = inbox.wait_for(1)
    assert msg["From"] == "AssetMap <noreply@assets.example.org>" and msg["To"] == "holder@example.org"
    assert msg["Subject"] == "Café: a request for your room — ✓"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == BODY     # lines end in CRLF on the wire
    sent = row(db)
    assert msg["Message-ID"] == f"<outbox.{sent['id']}.{int(sent['created_at'].timestamp() * 1e6)}" \
                                "@assets.example.org>"
    assert abs(parsedate_to_datetime(msg["Date"]) - sent["created_at"]) < timedelta(seconds=1)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert sent["sent_at"] is not None and sent["attempts"] == 1 and sent["dead_at"] is None
    assert send_due(db, settings).sent == 0 and len(inbox.messages) == 1     # sent once


def test_a_rolled_back_change_sends_nothing(db, settings, inbox):
    with pytest.raises(RuntimeError), db.transaction():
        queue(db, settings, subject="never")
        raise RuntimeError("the change failed")
    queue(db, settings, subject="committed")
    assert send_due(db, settings).sent == 1
    assert [m["Subject"] for m in inbox.wait_for(1)] == ["committed"]
    assert db.execute("SELECT count(*) AS n FROM outbox").fetchone()["n"] == 1


def test_nothing_is_queued_or_sent_with_mail_off(db, settings, inbox):
    off = replace(settings, smtp_url=None)
    assert not outbox.enqueue(db, off, to="a@example.org", subject="s", body="b", topic="request")
    queue(db, settings)
    assert send_due(db, off).sent == 0 and inbox.messages == []


def test_the_pause_doubles_from_a_minute_to_at_most_four_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == backoff(100) == timedelta(hours=4)


def test_a_refusal_for_now_is_tried_again_after_growing_pauses_then_delivered(db, settings, inbox):
    inbox.replies = ["451 4.3.0 Mailbox busy, try later", "451 4.3.0 Still busy"]
    queue(db, settings)

    assert send_due(db, settings).failed == 1 and inbox.messages == []
    first = row(db)
    assert first["attempts"] == 1 and "451 4.3.0 Mailbox busy" in first["last_error"] and first["dead_at"] is None
    pause = first["next_attempt_at"] - db.execute("SELECT now() AS t").fetchone()["t"]
    assert timedelta(seconds=50) < pause <= timedelta(minutes=1)
    assert send_due(db, settings).failed == 0       # not due yet: not tried

    make_due(db)
    assert send_due(db, settings).failed == 1
    second = row(db)
    pause = second["next_attempt_at"] - db.execute("SELECT now() AS t").fetchone()["t"]
    assert second["attempts"] == 2 and timedelta(seconds=110) < pause <= timedelta(minutes=2)

    make_due(db)
    assert send_due(db, settings).sent == 1
    assert len(inbox.wait_for(1)) == 1 and row(db)["sent_at"] is not None and row(db)["attempts"] == 3


def test_after_the_last_attempt_a_message_is_given_up(db, settings, inbox):
    settings = replace(settings, mail_max_attempts=2)
    inbox.refuse = "451 4.3.0 Busy"
    queue(db, settings)
    assert send_due(db, settings).failed == 1
    make_due(db)
    assert send_due(db, settings).dead == 1
    gone = row(db)
    assert gone["dead_at"] is not None and gone["attempts"] == 2 and inbox.messages == []
    make_due(db)
    assert send_due(db, settings).dead == 0          # dead letters are not tried again by themselves


def test_a_permanent_refusal_gives_up_at_once(db, settings, inbox):
    inbox.refuse = "550 5.1.1 No such user here"
    queue(db, settings)
    assert send_due(db, settings).dead == 1
    dead = row(db)
    assert dead["attempts"] == 1 and "550 5.1.1 No such user here" in dead["last_error"]
    assert [d.id for d in outbox.dead_letters(db)] == [dead["id"]]


def test_two_workers_at_once_send_each_message_once(db, settings, inbox, fresh_db_url):
    inbox.delay = 0.02    # so both are sending at the same time
    queue(db, settings, 30)
    start = threading.Barrier(2)
    results = []

    def work():
        with psycopg.connect(fresh_db_url, autocommit=True) as conn:
            start.wait()
            results.append(send_due(conn, settings))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(m["Subject"] for m in inbox.wait_for(30)) == sorted(f"Message {i}" for i in range(30))
    assert len(inbox.messages) == 30 and len({m["Message-ID"] for m in inbox.messages}) == 30
    assert sum(r.sent for r in results) == 30 and all(r.sent > 0 for r in results)


def test_the_worker_wakes_on_notify_long_before_its_poll(db, settings, inbox, start_worker):
    start_worker(settings, poll_seconds=60)
    queue(db, settings, subject="first")
    inbox.wait_for(1)
    wait_until(lambda: row(db)["sent_at"], what="the first message marked sent")
    time.sleep(0.5)       # the worker is waiting now, for up to 60 s
    queue(db, settings, subject="second")
    assert [m["Subject"] for m in inbox.wait_for(2, seconds=10)] == ["first", "second"]


def test_the_worker_survives_the_smtp_server_and_the_database_going_away(db, settings, smtp_server, inbox,
                                                                        start_worker):
    start_worker(settings, poll_seconds=60, pause_seconds=0.2)
    smtp_server.stop()
    queue(db, settings, subject="while the server was away")
    failed = wait_until(lambda: (r := row(db))["attempts"] and r, what="a failed attempt")
    assert failed["sent_at"] is None and failed["dead_at"] is None and "127.0.0.1" in failed["last_error"]

    smtp_server.start()
    make_due(db)
    db.execute("SELECT pg_notify('assetmap_outbox', '')")
    assert inbox.wait_for(1)[0]["Subject"] == "while the server was away"

    killed = db.execute("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = 'assetmap mail worker'"
                        ).fetchone()["n"]
    assert killed == 1
    queue(db, settings, subject="after the database came back")
    assert inbox.wait_for(2)[1]["Subject"] == "after the database came back"


def test_periodic_tasks_run_and_one_failing_does_not_stop_the_mail(db, settings, inbox, start_worker):
    calls = []

    def broken(conn, settings):
        raise RuntimeError("a task with a bug")

    def remind(conn, settings):
        calls.append(1)
        outbox.enqueue(conn, settings, to="holder@example.org", subject="Reminder", body="Still right?",
                       topic="confirm_reminder", dedupe_key="reminder:1:2026")

    start_worker(settings, periodic=[broken, remind], periodic_seconds=0.3)
    assert inbox.wait_for(1)[0]["Subject"] == "Reminder"
    wait_until(lambda: len(calls) >= 3, what="the tasks running again")
    time.sleep(0.3)
    assert len(inbox.messages) == 1                 # the dedupe key: once, however often the task runs


def test_a_password_never_lands_in_the_error(db, settings, free_port):
    url = f"smtp://user:s3cret-pass@127.0.0.1:{free_port}"   # nothing listens there
    with_password = replace(settings, smtp_url=url)
    queue(db, with_password)
    result = send_due(db, with_password)
    assert result.failed == 1 and result.unavailable and "s3cret" not in result.unavailable
    error = row(db)["last_error"]
    assert re.search(r"127\.0\.0\.1", error) and "s3cret" not in error and "user" not in error


def test_starttls_when_offered_and_the_login_inside_it(db, settings, tmp_path, monkeypatch):
    """A server that offers STARTTLS and insists on it before mail and login (aiosmtpd's require_starttls)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))     # trust it as a CA would be trusted
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.password == b"p@ss word", handled=False)   # False: aiosmtpd replies

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = SmtpServer(port, tls_context=context, require_starttls=True, authenticator=authenticator)
    server.start()
    try:
        tls = replace(settings, smtp_url=f"smtp://mailer:p%40ss%20word@127.0.0.1:{server.port}")
        queue(db, tls, subject="over TLS")
        assert send_due(db, tls).sent == 1
        assert server.inbox.wait_for(1)[0]["Subject"] == "over TLS"
        assert logins == [(b"mailer", b"p@ss word", True)]

        wrong = replace(settings, smtp_url=f"smtp://mailer:wrong-secret@127.0.0.1:{server.port}")
        queue(db, wrong, subject="wrong password")
        result = send_due(db, wrong)
        assert result.failed == 1 and "535" in result.unavailable and "wrong-secret" not in row(db)["last_error"]
    finally:
        server.stop()


def test_a_message_that_cannot_be_written_goes_dead_and_the_rest_go(db, settings, inbox):
    queue(db, settings, to="a@example.org\nBcc: everyone@example.org", subject="injected")
    queue(db, settings, to="b@example.org", subject="Two\nlines")
    result = send_due(db, settings)
    assert (result.sent, result.dead) == (1, 1)
    [msg] = inbox.wait_for(1)
    assert msg["To"] == "b@example.org" and msg["Subject"] == "Two lines" and msg["Bcc"] is None
    dead = outbox.dead_letters(db)[0]
    assert dead.subject == "injected" and dead.last_error.startswith("cannot be written as a message")
