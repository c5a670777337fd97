"""Fixtures for the scaling tests (the processes themselves are in tests/scaling/postgres.py and processes.py)."""

from __future__ import annotations

import pytest

from tests.scaling.postgres import demo_replica


@pytest.fixture(scope="module")
def replicated():
    """(primary URL, standby URL) of a throwaway primary with the demo town and staff, and its hot standby."""
    with demo_replica() as urls:
        yield urls
