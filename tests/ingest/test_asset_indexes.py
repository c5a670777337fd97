"""The assets table keeps one spatial index per point column a query searches (migration 0027 dropped the second
GiST index on the exact point, a cost on every import): each spatial search still gets an index plan."""

from __future__ import annotations

import psycopg
import pytest

SPATIAL = {   # the search → the index its plan must use
    "SELECT id FROM assets WHERE status = 'published' "
    "AND geom && ST_MakeEnvelope(-1.52, 52.51, -1.50, 52.52, 4326)": "assets_geom_idx",
    "SELECT id FROM assets WHERE status <> 'archived' "
    "AND geom && ST_MakeEnvelope(-1.52, 52.51, -1.50, 52.52, 4326)": "assets_geom_idx",
    "SELECT id FROM public_assets WHERE geom && ST_MakeEnvelope(-1.52, 52.51, -1.50, 52.52, 4326)":
        "assets_public_geom_idx",
    "SELECT id FROM public_assets WHERE tile_geom && ST_Transform(ST_MakeEnvelope(-1.52, 52.51, -1.50, 52.52, 4326),"
    " 3857)": "assets_tile_geom_idx",
    "SELECT * FROM analysis_direct_matches()": "assets_geom_bng_idx",   # nearest offers to each need
}


@pytest.fixture(scope="module")
def conn(admin_url, template_db):
    from tests.helpers import scratch_database
    with scratch_database(admin_url, template_db) as url, psycopg.connect(url, autocommit=True) as c:
        c.execute("""
            INSERT INTO assets (name, category, geom, status)
            SELECT 'Place ' || i, 'library',
                   ST_SetSRID(ST_MakePoint(-1.9 + (i % 100) * 0.008, 52.3 + (i / 100) * 0.006), 4326),
                   CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'published' END
              FROM generate_series(1, 8000) i""")
        c.execute("INSERT INTO capacity_offers (asset_id, kind, quantity, unit) "
                  "SELECT id, 'space', 10, 'places' FROM assets WHERE id % 4 = 0")
        c.execute("INSERT INTO capacity_needs (title, kind, quantity, unit, geom, status) "
                  "SELECT 'Need ' || i, 'space', 5, 'places', ST_SetSRID(ST_MakePoint(-1.5 + i * 0.01, 52.5), 4326), "
                  "'open' FROM generate_series(1, 5) i")
        c.execute("ANALYZE")
        yield c


def test_the_exact_points_second_index_is_gone(conn):
    names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'assets'")}
    assert "assets_published_geom_idx" not in names
    assert {"assets_geom_idx", "assets_public_geom_idx", "assets_tile_geom_idx", "assets_geom_bng_idx"} <= names


@pytest.mark.parametrize("query", SPATIAL)
def test_every_spatial_search_keeps_an_index_plan(conn, query):
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query))
    assert SPATIAL[query] in plan, plan
