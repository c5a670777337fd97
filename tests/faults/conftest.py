"""Fixtures for the fault tests: a throwaway PostgreSQL with the demo town, which the tests restart and kill."""

from __future__ import annotations

import pytest

from tests.faults.cluster import demo_primary


@pytest.fixture
def primary():
    """(Cluster, URL of its `assetmap` database holding the demo town), thrown away after the test: each test
    does its faults to a cluster of its own."""
    with demo_primary() as found:
        yield found
