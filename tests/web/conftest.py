"""The web layer's tests sign staff in on every other page: cheap password hashes for all of them."""

import pytest

from tests.helpers import cheap_hashes


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)
