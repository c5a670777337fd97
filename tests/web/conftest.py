"""The web layer's tests sign staff in on every other page: cheap password hashes for all of them, and `auth`."""

import pytest

from tests.helpers import AuthActions, cheap_hashes, running_app


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def auth(client):
    """`auth.sign_in()`, `auth.sign_out()` on this module's `client`."""
    return AuthActions(client)


@pytest.fixture
def upload_app(fresh_demo_db_url, staff_demo_db, tmp_path):
    """The app on that town, keeping its uploads in this test's own folder."""
    with running_app(fresh_demo_db_url, home=tmp_path) as application:
        yield application
