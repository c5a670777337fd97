"""Vector tiles at scale: `python -m bench.tiles [--assets N] [--repeat R]`.

On a database of its own holding N published assets in a few hundred towns over England (and a fifth as many
pending ones), measures in the same run:

- low-zoom tiles: the densest z6 and z10 tiles read from the stored counts (tile_counts, migration
  0020), against the same tiles counted from the points on request (the grid.sql every tile used before);
- what keeping the counts costs: inserting and deleting a batch of N assets with the counting triggers, against
  the same statements with those triggers disabled (each in a transaction rolled back).
"""

from __future__ import annotations

import argparse
import json
from functools import partial

import psycopg

from assetmap import tiles
from bench.__main__ import server_url
from bench.common import bench_database, best

TRIGGERS = ("assets_tile_counts_inserted", "assets_tile_counts_updated", "assets_tile_counts_deleted")

# N points: 300 towns over England, each a normal spread of a few km, in the 19 categories; every seventh a
# private home (a generalised point). Deterministic (setseed), so two runs draw the same map.
INSERT = """
    INSERT INTO assets (name, category, geom, status, location_precision, is_private_home)
    SELECT 'Bench asset ' || i, cats.codes[1 + i %% array_length(cats.codes, 1)],
           ST_SetSRID(ST_MakePoint(t.lon + 0.05 * g.a, t.lat + 0.03 * g.b), 4326),
           %(status)s, CASE WHEN i %% 7 = 0 THEN 'generalised' ELSE 'exact' END, i %% 7 = 0
      FROM generate_series(1, %(n)s) AS i
      CROSS JOIN (SELECT array_agg(code ORDER BY code) AS codes FROM categories) cats
      JOIN bench_towns t ON t.id = 1 + (i * 7919) %% 300
      -- Box-Muller: two normal deviates from two uniform ones
      CROSS JOIN LATERAL (SELECT sqrt(-2 * ln(1 - random())) AS r, 2 * pi() * random() AS th) u
      CROSS JOIN LATERAL (SELECT u.r * cos(u.th) AS a, u.r * sin(u.th) AS b) g
"""


def load(conn: psycopg.Connection, n: int) -> None:
    conn.execute("SELECT setseed(0.2)")
    conn.execute("CREATE TABLE bench_towns AS SELECT i AS id, -4.5 + 5.5 * random() AS lon, 50.5 + 4.5 * random() "
                 "AS lat FROM generate_series(1, 300) i")
    conn.execute(INSERT, {"n": n, "status": "published"})
    conn.execute(INSERT, {"n": n // 5, "status": "pending"})
    conn.execute("ANALYZE")


def densest_tile(conn: psycopg.Connection, z: int) -> tuple[int, int]:
    """The tile at zoom z holding the most published assets (its cells numbered as tile_counts numbers them)."""
    half = tiles.GRID_CELLS * 2 ** z // 2
    tx, ty = conn.execute("SELECT floor(cx / %(cells)s::float8), floor(cy / %(cells)s::float8) FROM tile_counts "
                          "WHERE layer = 'assets' AND z = %(z)s GROUP BY 1, 2 ORDER BY sum(n) DESC LIMIT 1",
                          {"z": z, "cells": tiles.GRID_CELLS}).fetchone()
    return int(tx) + half // tiles.GRID_CELLS, half // tiles.GRID_CELLS - int(ty) - 1


def tile_times(conn: psycopg.Connection, repeat: int) -> dict:
    out = {}
    for z in (6, 10):
        x, y = densest_tile(conn, z)
        one = partial(tiles.tile, conn, "assets", z, x, y)
        stored, counted = best(one, repeat), best(partial(one, stored=False), repeat)
        filtered = best(partial(one, categories=["library", "other"]), repeat)
        assert tiles.tile(conn, "assets", z, x, y) == tiles.tile(conn, "assets", z, x, y, stored=False)
        points = conn.execute("SELECT count(*) FROM public_assets WHERE tile_geom && ST_TileEnvelope(%s, %s, %s)",
                              (z, x, y)).fetchone()[0]
        out[f"z{z}"] = {"tile": f"{z}/{x}/{y}", "points_under_it": points, "stored_s": round(stored, 4),
                        "on_request_s": round(counted, 4), "stored_filtered_s": round(filtered, 4),
                        "speedup": round(counted / stored, 1), "bytes": len(tiles.tile(conn, "assets", z, x, y))}
    return out


def write_cost(conn: psycopg.Connection, n: int, repeat: int) -> dict:
    """Inserting, moving and deleting n published assets, with and without the counting triggers."""
    def batch(with_counts: bool) -> dict[str, float]:
        times = {}
        with conn.transaction(force_rollback=True):
            if not with_counts:
                for t in TRIGGERS:
                    conn.execute(f"ALTER TABLE assets DISABLE TRIGGER {t}")
            conn.execute("CREATE TEMP TABLE bench_mark ON COMMIT DROP AS SELECT max(id) AS id FROM assets")
            times["insert_s"] = best(lambda: _rolled_back(conn, INSERT, {"n": n, "status": "published"}), 1)
            conn.execute(INSERT, {"n": n, "status": "published"})
            times["move_s"] = best(lambda: _rolled_back(
                conn, "UPDATE assets SET geom = ST_Translate(geom, 0.01, 0) WHERE id > (SELECT id FROM bench_mark)"),
                1)
            times["edit_s"] = best(lambda: _rolled_back(
                conn, "UPDATE assets SET description = 'x' WHERE id > (SELECT id FROM bench_mark)"), 1)
            times["delete_s"] = best(lambda: _rolled_back(
                conn, "DELETE FROM assets WHERE id > (SELECT id FROM bench_mark)"), 1)
        return times

    runs = {"with": [], "without": []}
    for _ in range(repeat):   # alternated, so drift in the machine's load falls on both
        runs["without"].append(batch(False))
        runs["with"].append(batch(True))
    out = {}
    for key in runs["with"][0]:
        w, wo = min(r[key] for r in runs["with"]), min(r[key] for r in runs["without"])
        out[key] = {"with_counts": round(w, 2), "without": round(wo, 2), "ratio": round(w / wo, 2)}
    return out


def _rolled_back(conn: psycopg.Connection, query: str, params: dict | None = None) -> None:
    with conn.transaction(force_rollback=True):
        conn.execute(query, params)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tiles")
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with bench_database(server_url(), "tiles") as url, psycopg.connect(url, autocommit=True) as conn:
        load(conn, args.assets)
        published = conn.execute("SELECT count(*) FROM public_assets").fetchone()[0]
        results = {"published_assets": published, "tile_count_rows": conn.execute(
            "SELECT count(*) FROM tile_counts").fetchone()[0], "tiles": tile_times(conn, args.repeat),
            "writes": write_cost(conn, args.assets, args.repeat)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
