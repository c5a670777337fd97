"""An import job surviving a restart of the web server: real server processes on a real port.

A planner uploads through gunicorn while no jobs worker runs; the web server stops with the job queued; a worker
process (`assetmap jobs run-queued`) imports it while no web server runs; `assetmap serve` (what `make run` runs)
comes up again, and the same signed-in planner finds the job's report on its page. The serve started a jobs worker
of its own, which imports the next upload with no other command.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HALLS = ("name,category,lon,lat\n"
         "Restart Hall,community_centre,-1.5,53.8\n"
         "Restart Casino,casino,-1.5,53.8\n"
         "Restart Library,library,-1.5,53.8\n")


class Browser:
    """Just enough of a browser: cookies, forms, and multipart uploads, over plain HTTP."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as r:
            return r.geturl(), r.read().decode()

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        """Post the form at `path` with its CSRF token; the address landed on (redirects followed) and the page."""
        fields = {"csrf_token": CSRF.search(self.get(path)[1]).group(1), **fields}
        if files:
            boundary = secrets.token_hex(16)
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items()]
            parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                      f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
                      for k, (name, content) in files.items()]
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body, kind = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers={"Content-Type": kind})
        with self.opener.open(request, timeout=30) as r:
            return r.geturl(), r.read().decode()


def start(args: list[str], env: dict[str, str], base: str) -> subprocess.Popen:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{args} exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):
                return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"{base} did not answer within 30 s:\n{stop(proc)}")


def stop(proc: subprocess.Popen) -> str:
    """Ctrl-C, as a person stops `make run`; its output."""
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return out


def status(browser: Browser, page: str) -> dict:
    return json.loads(browser.get(page + ".json")[1])


def test_an_import_job_survives_a_restart_of_the_web_server(fresh_db_url, free_port, tmp_path):
    import psycopg

    from assetmap.model import users
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        users.add_user(conn, "pat@example.org", "a long enough password", "planner", "Pat")
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "ASSETMAP_HOME": str(tmp_path / "home"),
           "ASSETMAP_SECRET_KEY": "restart-test", "ASSETMAP_TILES": "none", "ASSETMAP_WORKERS": "1",
           "ASSETMAP_THREADS": "16"}
    base = f"http://127.0.0.1:{free_port}"
    web_only = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{free_port}", "--workers", "1",
                "--worker-class", "gthread", "--threads", "4", "--control-socket", str(tmp_path / "g.ctl"),
                "assetmap:create_app()"]

    web = start(web_only, env, base)
    try:
        browser = Browser(base)
        landed, _ = browser.post("/sign-in", {"email": "pat@example.org", "password": "a long enough password"})
        assert "/sign-in" not in landed
        page, html = browser.post("/planner/data/import", {"kind": "assets"},
                                  {"file": ("restart halls.csv", HALLS.encode()), "mapping": ("m.json", b"{}")})
        page = urllib.parse.urlsplit(page).path
        assert re.fullmatch(r"/planner/jobs/\d+", page), page
        assert "Waiting for the jobs worker" in html
        assert status(browser, page)["state"] == "queued"
    finally:
        stop(web)
    with pytest.raises(urllib.error.URLError):   # the web server is down
        urllib.request.urlopen(base + "/healthz", timeout=2)

    job_id = page.rsplit("/", 1)[1]
    ran = subprocess.run([sys.executable, "-m", "assetmap.cli", "jobs", "run-queued"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert f"job {job_id} (import:assets): done" in ran.stdout

    served = start([sys.executable, "-m", "assetmap.cli", "serve", "--port", str(free_port)], env, base)
    try:
        _, html = browser.get(page)                                   # the same session, after the restart
        assert "read 3, inserted 2, updated 0, rejected 1" in html
        assert "Restart Casino" in html and "unknown category" in html
        assert status(browser, page) == {"id": int(job_id), "state": "done", "done": 3, "total": 3,
                                         "error": None, "finished": True}

        # `assetmap serve` started a jobs worker: the next upload imports with no other command.
        second, _ = browser.post("/planner/data/import", {"kind": "assets", "dry_run": "on"},
                                 {"file": ("restart halls.csv", HALLS.encode()), "mapping": ("m.json", b"{}")})
        second = urllib.parse.urlsplit(second).path
        deadline = time.monotonic() + 30
        while not status(browser, second)["finished"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status(browser, second)["state"] == "done"
        assert "read 3, would insert 0, would update 2, rejected 1" in browser.get(second)[1]
    finally:
        out = stop(served)
    assert re.search(r"jobs worker started \(process \d+\)", out), out
