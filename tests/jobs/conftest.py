"""A migrated database of the test's own, the jobs worker's settings for it, and a connection to look with."""

from __future__ import annotations

import psycopg
import pytest

from assetmap.config import Settings
from tests.helpers import cheap_hashes


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    cheap_hashes(monkeypatch)


@pytest.fixture
def settings(fresh_db_url, tmp_path):
    return Settings.from_env({"database_url": fresh_db_url, "home": tmp_path / "home", "tiles": "none"})


@pytest.fixture
def conn(fresh_db_url):
    """An autocommit connection, as the worker's own is."""
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c
