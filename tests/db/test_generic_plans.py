"""The API's queries are planned for their own values every time: the pool's connections never prepare statements,
so PostgreSQL never falls back to a generic plan after the fifth run (which made the bbox query 160× slower at 1.2M
assets)."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from tests.helpers import running_app

RUNS = 20   # well past psycopg's prepare threshold (5) and PostgreSQL's switch to a generic plan (after 5 more)
BBOX = "-180,-90,180,90"


def prepared(conn) -> list[dict]:
    return conn.execute("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements").fetchall()


def test_psycopg_prepares_a_query_it_runs_often_by_default(demo_db_url):
    """The hazard, shown: a plain connection prepares the query after five runs, and PostgreSQL may then reuse one
    plan for every value."""
    with psycopg.connect(demo_db_url, autocommit=True, row_factory=dict_row) as conn:
        for _ in range(RUNS):
            conn.execute("SELECT count(*) FROM public_assets WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                         (-180, -90, 180, 90)).fetchone()
        statements = prepared(conn)
    assert len(statements) == 1
    assert statements[0]["generic_plans"] + statements[0]["custom_plans"] >= RUNS - 5


def test_the_apps_connections_plan_every_bbox_query_for_its_box(demo_db_url):
    with running_app(demo_db_url, pool_min=1, pool_max=1) as app:
        client = app.test_client()
        for _ in range(RUNS):
            assert client.get(f"/api/v1/assets?bbox={BBOX}&limit=5").status_code == 200
        pool = app.extensions["assetmap.pool"].get()
        with pool.connection() as conn:   # the one connection every request above used
            assert prepared(conn) == []
