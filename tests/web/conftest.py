"""The web layer's tests sign staff in on every other page: cheap password hashes for all of them, and `auth`."""

import pytest

from tests.helpers import AuthActions, cheap_hashes


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def auth(client):
    """`auth.sign_in()`, `auth.sign_out()` on this module's `client`."""
    return AuthActions(client)
