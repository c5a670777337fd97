"""The hand-built town of tests/analysis/shapes.py, as a fixture: `conn` on a fresh database holding it."""

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.analysis.shapes import build_town


@pytest.fixture
def conn(fresh_db_url, tmp_path):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        build_town(c, tmp_path)
        yield c
