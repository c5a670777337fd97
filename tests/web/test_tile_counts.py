"""The stored grid counts behind low-zoom asset tiles (tile_counts, migration 0020): always what counting the public
view gives, whatever changes the assets (bulk inserts, publishing, withdrawing, moves, new categories, deletes, a
place becoming a private home), also when two transactions change the same cell at once; and the tiles read from
them are the tiles counted on request."""

from __future__ import annotations

import threading
import time

import mapbox_vector_tile
import psycopg
import pytest

from assetmap import tiles
from tests.web.test_tiles import town_tiles

# What the counts must be: the public view, counted in grid.sql's cells at every stored zoom.
COUNTED = """
    SELECT z, floor(ST_X(a.tile_geom) / c.cell)::int AS cx, floor(ST_Y(a.tile_geom) / c.cell)::int AS cy,
           a.category, count(*)::int
      FROM public_assets a, generate_series(0, %(finest)s) AS z,
           LATERAL (SELECT %(world)s / 2 ^ z / %(cells)s AS cell) c
     GROUP BY 1, 2, 3, 4"""


def counted(conn) -> set[tuple]:
    return set(conn.execute(COUNTED, {"finest": tiles.COUNTED_TO, "world": tiles.WORLD,
                                      "cells": tiles.GRID_CELLS}).fetchall())


def stored(conn) -> set[tuple]:
    rows = conn.execute("SELECT z, cx, cy, code, n FROM tile_counts WHERE layer = 'assets'").fetchall()
    assert all(r[4] > 0 for r in rows), "no empty or negative cell is kept"
    return set(rows)


def add(conn, n: int, *, status: str = "published", lon: float = -1.5, lat: float = 52.5, category: str = "library",
        home: bool = False) -> list[int]:
    rows = conn.execute("""
        INSERT INTO assets (name, category, geom, status, location_precision, is_private_home)
        SELECT 'Place ' || i, %(category)s, ST_SetSRID(ST_MakePoint(%(lon)s + i * 0.003, %(lat)s + i * 0.002), 4326),
               %(status)s, CASE WHEN %(home)s THEN 'generalised' ELSE 'exact' END, %(home)s
          FROM generate_series(1, %(n)s) i RETURNING id""",
                        {"n": n, "status": status, "lon": lon, "lat": lat, "category": category, "home": home})
    return [r[0] for r in rows]


def test_the_grid_is_the_tiles_grid(fresh_db_url):
    with psycopg.connect(fresh_db_url) as conn:
        assert conn.execute("SELECT finest, cells FROM tile_counts_grid()").fetchone() == (
            tiles.COUNTED_TO, tiles.GRID_CELLS)
        assert tiles.COUNTED_TO < tiles.POINTS_FROM


def test_counts_follow_every_change_to_the_assets(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        a = add(conn, 300)                                  # one bulk insert
        add(conn, 40, status="pending", lon=-1.2)
        b = add(conn, 25, category="park_green_space", lon=-2.1, lat=53.0)
        c = add(conn, 10, home=True, lon=-0.5)              # private homes, counted at their generalised point
        assert stored(conn) == counted(conn) and counted(conn)

        steps = [
            ("UPDATE assets SET status = 'published' WHERE status = 'pending'", ()),   # publish
            ("UPDATE assets SET status = 'archived' WHERE id = ANY(%s)", (a[:50],)),   # withdraw
            ("UPDATE assets SET geom = ST_Translate(geom, 0.4, -0.3) WHERE id = ANY(%s)", (a[50:120],)),  # move far
            ("UPDATE assets SET geom = ST_Translate(geom, 0.00001, 0) WHERE id = ANY(%s)", (a[120:130],)),  # nudge
            ("UPDATE assets SET category = 'time_bank' WHERE id = ANY(%s)", (b,)),
            ("UPDATE assets SET description = 'Open late' WHERE id = ANY(%s)", (a,)),  # changes nothing counted
            ("UPDATE assets SET location_precision = 'generalised', is_private_home = true WHERE id = ANY(%s)",
             (a[130:160],)),
            ("UPDATE assets SET location_precision = 'exact', is_private_home = false WHERE id = ANY(%s)", (c[:5],)),
            ("DELETE FROM assets WHERE id = ANY(%s)", (a[200:260] + a[:10],)),
            ("UPDATE assets SET status = 'published' WHERE id = ANY(%s)", (a[:50],)),  # republish
        ]
        for query, args in steps:
            conn.execute(query, args)
            assert stored(conn) == counted(conn), query
        with conn.transaction(force_rollback=True):   # a rolled-back change leaves the counts as they were
            conn.execute("DELETE FROM assets")
            assert stored(conn) == set()
        assert stored(conn) == counted(conn)
        conn.execute("TRUNCATE assets CASCADE")
        assert stored(conn) == set()


def test_two_transactions_in_one_cell_lose_no_count(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        add(conn, 5)
    first = psycopg.connect(fresh_db_url)
    add(first, 20, lon=-1.5001)   # the same cells at every low zoom as the five, not committed yet
    first.execute("UPDATE assets SET status = 'archived' WHERE id = (SELECT min(id) FROM assets)")
    errors = []

    def second() -> None:
        try:
            with psycopg.connect(fresh_db_url) as c:
                add(c, 20, lon=-1.5002)   # waits for the first's locks on the shared cells, then adds to them
        except Exception as exc:   # noqa: BLE001 (reported below)
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    with psycopg.connect(fresh_db_url, autocommit=True) as watch:
        for _ in range(100):   # until the second is waiting on the first
            if watch.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                             "AND wait_event_type = 'Lock'").fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second transaction never waited for the first")
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not errors
    with psycopg.connect(fresh_db_url) as conn:
        assert conn.execute("SELECT count(*) FROM public_assets").fetchone()[0] == 44
        assert stored(conn) == counted(conn)


def decoded(body: bytes) -> list:
    layers = mapbox_vector_tile.decode(body)
    return sorted((tuple(f["geometry"]["coordinates"]), f["properties"]["count"])
                  for f in layers["assets"]["features"]) if layers else []


@pytest.mark.parametrize("z", [5, 8, 10])
def test_tiles_from_stored_counts_are_the_tiles_counted_on_request(demo_conn, z):
    for x, y in town_tiles(demo_conn, z):
        for categories in (None, ["library", "park_green_space"]):
            from_store = tiles.tile(demo_conn, "assets", z, x, y, categories=categories)
            assert decoded(from_store) == decoded(
                tiles.tile(demo_conn, "assets", z, x, y, categories=categories, stored=False))
    assert sum(c for x, y in town_tiles(demo_conn, z) for _, c in decoded(tiles.tile(demo_conn, "assets", z, x, y))) \
        == demo_conn.execute("SELECT count(*) FROM public_assets").fetchone()[0]


def _reimport_file(path, n: int, *, moved: int = 0, renamed: int = 0) -> None:
    """n places with their own points; the first `moved` shifted far, the next `renamed` in another category."""
    rows = ["source_ref,name,category,lon,lat"]
    for i in range(n):
        lon, lat = -1.9 + (i % 70) * 0.011, 52.3 + (i // 70) * 0.007
        if i < moved:
            lon, lat = lon + 0.6, lat - 0.4
        category = "time_bank" if moved <= i < moved + renamed else "library"
        rows.append(f"r{i},Place {i},{category},{lon:.6f},{lat:.6f}")
    path.write_text("\n".join(rows) + "\n")


def test_a_reimport_of_thousands_keeps_the_counts(fresh_db_url, tmp_path):
    """Re-importing updates every row in one statement (migration 0026's case): the counts still follow."""
    from assetmap.ingest.asset_files import import_assets
    path = tmp_path / "places.csv"
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        _reimport_file(path, 3000)
        assert import_assets(conn, path, source="many").inserted == 3000
        assert stored(conn) == counted(conn)
        _reimport_file(path, 3000, moved=400, renamed=300)
        again = import_assets(conn, path, source="many")
        assert (again.inserted, again.updated) == (0, 3000)
        assert conn.execute("SELECT count(*) FROM public_assets WHERE category = 'time_bank'").fetchone()[0] == 300
        assert stored(conn) == counted(conn)


def test_the_update_trigger_joins_by_hash_at_any_size(fresh_db_url):
    """The UPDATE trigger joins old_rows and new_rows by id. Planned once per session, after a session's first
    small update, that join stayed a nested loop: quadratic (81.5 s for 20k re-imported rows). auto_explain, at
    NOTICE level, hands us the plans of the trigger's own statements."""
    plans: list[str] = []
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        try:
            conn.execute("LOAD 'auto_explain'")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("LOAD 'auto_explain' needs a superuser")
        ids = add(conn, 2000)
        conn.execute("UPDATE assets SET category = 'time_bank' WHERE id = %s", (ids[0],))   # a small one first
        conn.add_notice_handler(lambda d: plans.append(d.message_primary or ""))
        for setting in ("log_min_duration = 0", "log_nested_statements = on", "log_level = notice"):
            conn.execute(f"SET auto_explain.{setting}")
        conn.execute("UPDATE assets SET category = 'time_bank' WHERE id = ANY(%s)", (ids,))
        conn.execute("RESET auto_explain.log_min_duration")
        joins = [p for p in plans if "old_rows" in p and "new_rows" in p]
        assert joins, plans
        assert all("Hash Join" in p or "Merge Join" in p for p in joins), joins
        assert stored(conn) == counted(conn)
