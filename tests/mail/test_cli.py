"""`assetmap mail …` and the worker that `assetmap serve` starts, against the real SMTP server on loopback."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from click.testing import CliRunner

from assetmap.cli import main
from assetmap.mail import outbox


def env_for(settings, **extra) -> dict:
    return {"DATABASE_URL": settings.database_url, "ASSETMAP_SMTP_URL": settings.smtp_url,
            "ASSETMAP_PUBLIC_URL": settings.public_url, "ASSETMAP_MAIL_FROM": settings.mail_from, **extra}


def run(settings, *args, **extra):
    return CliRunner().invoke(main, ["mail", *args], env=env_for(settings, **extra))


def queue(db, settings, subject: str) -> None:
    assert outbox.enqueue(db, settings, to="holder@example.org", subject=subject, body="b", topic="request")


def test_send_due_status_and_retry(db, settings, inbox):
    queue(db, settings, "one")
    queue(db, settings, "two")
    result = run(settings, "status")
    assert result.exit_code == 0 and "queued: 2 (due now: 2)" in result.output and "dead: 0" in result.output
    assert f"server: {settings.smtp_url}" in result.output

    result = run(settings, "send-due")
    assert result.exit_code == 0 and result.stdout == "sent 2, failed 0, dead 0\n"
    assert sorted(m["Subject"] for m in inbox.wait_for(2)) == ["one", "two"]

    inbox.refuse = "550 5.1.1 No such user"
    queue(db, settings, "three")
    assert run(settings, "send-due").stdout == "sent 0, failed 0, dead 1\n"
    result = run(settings, "status")
    assert "queued: 0 (due now: 0)\nsent in the last 24 hours: 2\ndead: 1" in result.output

    dead_id = outbox.dead_letters(db)[0].id
    inbox.refuse = None
    result = run(settings, "retry", str(dead_id))
    assert result.exit_code == 0 and f"message {dead_id} (request) is queued again" in result.output
    assert run(settings, "send-due").stdout == "sent 1, failed 0, dead 0\n" and len(inbox.wait_for(3)) == 3
    [audit] = db.execute("SELECT actor, action FROM audit_log WHERE entity = 'outbox'").fetchall()
    assert audit == {"actor": "cli", "action": "retry"}

    result = run(settings, "retry", str(dead_id))
    assert result.exit_code == 1 and f"there is no given-up message {dead_id}" in result.output


def test_send_due_says_when_the_server_cannot_be_reached(db, settings, smtp_server):
    smtp_server.stop()
    queue(db, settings, "one")
    result = run(settings, "send-due")
    assert result.exit_code == 1 and result.stdout == "sent 0, failed 1, dead 0\n"
    assert "the SMTP server could not be used: smtp://127.0.0.1:" in result.output


def test_with_mail_off_the_worker_says_so_and_exits_0(settings):
    result = run(settings, "worker", ASSETMAP_SMTP_URL=None)
    assert result.exit_code == 0 and "mail is off: ASSETMAP_SMTP_URL is not set" in result.output
    result = run(settings, "status", ASSETMAP_SMTP_URL=None)
    assert result.exit_code == 0 and "server: mail is off" in result.output


def spawn(settings, *args, **extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assetmap.cli", *args],
                            env={**os.environ, **env_for(settings, **extra), "ASSETMAP_TILES": "none",
                                 "ASSETMAP_WORKERS": "1", "ASSETMAP_SECRET_KEY": "test"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop(proc: subprocess.Popen, signum: int) -> tuple[int, str]:
    proc.send_signal(signum)
    try:
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out


def test_the_worker_command_sends_and_stops_on_sigterm(db, settings, inbox):
    proc = spawn(settings, "mail", "worker")
    try:
        queue(db, settings, "from the worker")
        assert inbox.wait_for(1)[0]["Subject"] == "from the worker"
    finally:
        code, out = stop(proc, signal.SIGTERM)
    assert code == 0 and "mail worker: stopped" in out and "Traceback" not in out


def another_port() -> int:
    """A free port besides `free_port`, which the SMTP server holds."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_serve_starts_the_worker_and_it_stops_with_serve(db, settings, inbox):
    proc = spawn(settings, "serve", "--port", str(another_port()))
    try:
        queue(db, settings, "while serving")
        assert inbox.wait_for(1, seconds=30)[0]["Subject"] == "while serving"
    finally:
        code, out = stop(proc, signal.SIGINT)     # to serve alone, as a service manager would
    assert code == 0, out
    worker_pid = int(re.search(r"mail worker started \(process (\d+)\)", out).group(1))
    deadline = time.monotonic() + 10
    while alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker_pid), "the mail worker outlived serve"


def test_serve_starts_no_worker_without_mail(settings):
    port = another_port()
    proc = spawn(settings, "serve", "--port", str(port), ASSETMAP_SMTP_URL="")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
                    assert response.status == 200
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not come up"
                time.sleep(0.2)
    finally:
        code, out = stop(proc, signal.SIGINT)
    assert code == 0 and "AssetMap on" in out and "mail worker" not in out
