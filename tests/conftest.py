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

import os
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap import vocab
from assetmap.config import Settings, project_root
from assetmap.db import migrate
from assetmap.db.connect import local_cluster
from tests.helpers import (
    PREFIX,
    LiveServer,
    add_staff,
    create_database,
    drop_database,
    running_app,
    scratch_database,
)

# The real open data ships beside the project (../shared/realdata); ASSETMAP_REALDATA points elsewhere.
REALDATA = Path(os.environ.get("ASSETMAP_REALDATA") or project_root().parent / "shared" / "realdata")


def _drop_leftovers(admin_url: str) -> None:
    """Databases of earlier sessions that were killed before their teardown."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'assetmap\\_test\\_%'").fetchall()]
    for name in names:
        pid = name.split("_")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            drop_database(admin_url, name)


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
    url = create_database(admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate.migrate(conn, log=lambda msg: None)
        vocab.sync(conn)
    yield name
    drop_database(admin_url, name)


@pytest.fixture(scope="session")
def demo_template(admin_url: str, template_db: str) -> str:
    """The template plus the demo town (seed 1): copied for each database that needs the town."""
    from assetmap.demo.load import load_demo
    name = f"{PREFIX}_demo_tpl"
    url = create_database(admin_url, name, template=template_db)
    with psycopg.connect(url, autocommit=True) as conn:
        load_demo(conn, seed=1, scale=1)
    yield name
    drop_database(admin_url, name)


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


@pytest.fixture(scope="session")
def app(demo_db_url: str):
    with running_app(demo_db_url) as application:
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
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


@pytest.fixture
def staff_demo_db(fresh_demo_db_url):
    """A copy of the demo town with a planner (pat@) and a facilitator (fay@) (tests.helpers.add_staff), as dict
    rows. Modules that sign staff in use cheap password hashes (their `quick_hashes`)."""
    with psycopg.connect(fresh_demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        add_staff(conn)
        yield conn
