"""Fixtures of the moderation and draft tests: a fresh database with one neighbourhood round (-0.9, 52.6), and a
planner. Modules with a `conn` of their own keep theirs."""

import psycopg
import pytest
from psycopg.rows import dict_row

from assetmap.model import users


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True, row_factory=dict_row) as c:
        c.execute("INSERT INTO neighbourhoods (code, name, geom) "
                  "VALUES ('hg', 'Holloway Green', ST_Multi(ST_MakeEnvelope(-1.0, 52.5, -0.8, 52.7, 4326)))")
        yield c


@pytest.fixture
def planner(conn):
    return users.get_user(conn, users.add_user(conn, "pat@example.org", "a long enough password", "planner", "Pat"))
