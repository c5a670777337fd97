"""Fixtures: a real PostGIS for every test session, apps and clients on top of it.

The server is the project-local cluster (started if needed) or, when DATABASE_URL is set, the server it points at.
Each session makes its own databases there and drops them at the end:

    assetmap_test_<pid>_tpl    migrated, vocabularies synced: the template for everything below
    assetmap_test_<pid>_demo_tpl  the template plus the demo town (seed 1)
    assetmap_test_<pid>_demo   a copy of that, shared by read-only tests
    assetmap_test_<pid>_<n>    a fresh copy of either template per test that asks for `fresh_db_url` or
                               `fresh_demo_db_url`
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
import os
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from assetmap import create_app, vocab
from assetmap.config import Settings, project_root
from assetmap.db import migrate
from assetmap.db.connect import local_cluster

# The real open data ships beside the project (../shared/realdata); ASSETMAP_REALDATA points elsewhere.
REALDATA = Path(os.environ.get("ASSETMAP_REALDATA") or project_root().parent / "shared" / "realdata")
PREFIX = f"assetmap_test_{os.getpid()}"
_counter = itertools.count(1)


def _with_db(url: str, dbname: str) -> str:
    return make_conninfo(url, dbname=dbname)


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def _create_db(admin_url: str, name: str, template: str | None = None) -> str:
    with _admin(admin_url) as conn:
        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        conn.execute(stmt)
    return _with_db(admin_url, name)


def _drop_db(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _drop_leftovers(admin_url: str) -> None:
    """Databases of earlier sessions that were killed before their teardown."""
    with _admin(admin_url) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'assetmap\\_test\\_%'").fetchall()]
    for name in names:
        pid = name.split("_")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            _drop_db(admin_url, name)


@contextmanager
def scratch_database(admin_url: str, template: str | None = None, name: str | None = None):
    """A database of its own on the test server (a copy of `template`, or empty), dropped afterwards."""
    name = name or f"{PREFIX}_{next(_counter)}"
    url = _create_db(admin_url, name, template=template)
    try:
        yield url
    finally:
        _drop_db(admin_url, name)


@pytest.fixture(scope="session")
def admin_url() -> str:
    """A URL on the test server with the right to create databases."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        settings = Settings.from_env()
        state = local_cluster(settings).up(log=lambda msg: None)
        url = state.url("postgres")
    _drop_leftovers(url)
    return url


@pytest.fixture(scope="session")
def template_db(admin_url: str) -> str:
    name = f"{PREFIX}_tpl"
    url = _create_db(admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate.migrate(conn, log=lambda msg: None)
        vocab.sync(conn)
    yield name
    _drop_db(admin_url, name)


@pytest.fixture(scope="session")
def demo_template(admin_url: str, template_db: str) -> str:
    """The template plus the demo town (seed 1): copied for each database that needs the town."""
    from assetmap.demo.load import load_demo
    name = f"{PREFIX}_demo_tpl"
    url = _create_db(admin_url, name, template=template_db)
    with psycopg.connect(url, autocommit=True) as conn:
        load_demo(conn, seed=1, scale=1)
    yield name
    _drop_db(admin_url, name)


@pytest.fixture(scope="session")
def demo_db_url(admin_url: str, demo_template: str) -> str:
    """A database holding the demo town, shared by the session: treat it as read-only."""
    with scratch_database(admin_url, demo_template, name=f"{PREFIX}_demo") as url:
        yield url


@pytest.fixture
def fresh_demo_db_url(admin_url: str, demo_template: str) -> str:
    """A copy of the demo town of this test's own, to write to."""
    with scratch_database(admin_url, demo_template) as url:
        yield url


@pytest.fixture
def fresh_db_url(admin_url: str, template_db: str) -> str:
    """An empty, migrated database of this test's own."""
    with scratch_database(admin_url, template_db) as url:
        yield url


@pytest.fixture
def demo_conn(demo_db_url: str):
    with psycopg.connect(demo_db_url, autocommit=True) as conn:
        yield conn


def make_app(database_url: str, **overrides):
    config = {"database_url": database_url, "tiles": "none", "secret_key": "test-secret", **overrides}
    return create_app(config)


@pytest.fixture(scope="session")
def app(demo_db_url: str):
    application = make_app(demo_db_url)
    yield application
    application.extensions["assetmap.pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


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


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real open data not found at {REALDATA} (it ships beside the project in CI, not in a clone; "
                    "set ASSETMAP_REALDATA to its folder)")
    return REALDATA


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
