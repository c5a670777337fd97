"""What tests share beyond fixtures: scratch databases, apps that close their pools, a live server, sign-in.

Tests import from here, never from a conftest or from another test module.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from contextlib import contextmanager

import psycopg
from argon2 import PasswordHasher
from psycopg import sql
from psycopg.conninfo import make_conninfo

from assetmap import create_app
from assetmap.model import users

PREFIX = f"assetmap_test_{os.getpid()}"
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
XSS = "<img src=x onerror=alert(1)>"
_counter = itertools.count(1)


# -- databases ------------------------------------------------------------------------------------------------------

def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(stmt)
    return make_conninfo(admin_url, dbname=name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def scratch_database(admin_url: str, template: str | None = None, name: str | None = None):
    """A database of its own on the test server (a copy of `template`, or empty), dropped afterwards."""
    name = name or f"{PREFIX}_{next(_counter)}"
    url = create_database(admin_url, name, template=template)
    try:
        yield url
    finally:
        drop_database(admin_url, name)


# -- apps -----------------------------------------------------------------------------------------------------------

def make_app(database_url: str, **overrides):
    """The app as create_app builds it, on this database, with no basemap and a fixed secret. The caller closes
    its pool (`running_app` does)."""
    config = {"database_url": database_url, "tiles": "none", "secret_key": "test-secret", **overrides}
    return create_app(config)


def close_app(app) -> None:
    from assetmap.web import db
    db.close(app)
    app.extensions["assetmap.workshop_broker"].stop()


@contextmanager
def running_app(database_url: str, **overrides):
    app = make_app(database_url, **overrides)
    try:
        yield app
    finally:
        close_app(app)


class LiveServer:
    """An app served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, application):
        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", 0, application, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# -- background jobs ------------------------------------------------------------------------------------------------

def run_jobs(app) -> list[int]:
    """Run the jobs the app's pages queued, as the jobs worker would; their ids."""
    from assetmap.db.connect import connect
    from assetmap.jobs.worker import run_queued
    settings = app.config["ASSETMAP"]
    with connect(settings) as conn:
        return run_queued(conn, settings)


@contextmanager
def jobs_worker(app):
    """The jobs worker in a thread, running what the app's pages queue (for pages followed in a browser)."""
    from assetmap.jobs.worker import Worker
    worker = Worker(app.config["ASSETMAP"], poll_seconds=1, pause_seconds=1)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(30)


def follow_job(client, response):
    """The page of the job `response` redirected to (an upload's import), once the queued jobs have run."""
    assert response.status_code == 303, response.get_data(as_text=True)
    page = response.headers["Location"]
    assert re.search(r"/planner/jobs/\d+$", page), page
    run_jobs(client.application)
    return client.get(page)


# -- forms and staff ------------------------------------------------------------------------------------------------

def csrf_token(client, url: str = "/sign-in") -> str:
    """The CSRF token of the form on the page at `url`."""
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def cheap_hashes(monkeypatch) -> None:
    """Cheap argon2 parameters, for tests about pages rather than hash strength (tests/model/test_users.py is)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(users, "_dummy_hash", None)


def add_staff(conn) -> None:
    """A planner (pat@) and a facilitator (fay@), both with PASSWORD."""
    users.add_user(conn, "pat@example.org", PASSWORD, "planner", "Pat")
    users.add_user(conn, "fay@example.org", PASSWORD, "facilitator")


def sign_in(client, email: str = "pat@example.org", password: str = PASSWORD, next: str | None = None):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if next is not None:
        data["next"] = next
    return client.post("/sign-in", data=data)


class AuthActions:
    """Signing a test client in and out, as the Flask tutorial's tests do (the `auth` fixture of tests/web)."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str = "pat@example.org", password: str = PASSWORD, next: str | None = None):
        return sign_in(self.client, email, password, next)

    def sign_out(self, page: str = "/planner/moderation"):
        """Sign out with the CSRF token of `page` (a page only a signed-in user sees), following the redirect."""
        return self.client.post("/sign-out", data={"csrf_token": csrf_token(self.client, page)}, follow_redirects=True)


def sign_in_page(page, base_url: str, email: str = "pat@example.org", password: str = PASSWORD,
                 lands: str = "**/planner/**") -> None:
    """Sign in through the real form in a browser page; waits for the staff page it lands on."""
    page.goto(base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lands)
