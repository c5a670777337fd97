"""Vector tiles per second over the densest area, 8 concurrent clients, at z14 (raw points) and z10 (counted in a
grid): `/tiles/assets/{z}/{x}/{y}.pbf` of `assetmap serve`, against

- pgbench running the very SQL `assetmap.tiles.tile` runs for each tile of the block (captured as sent, one
  script per tile, picked at random), straight against the database: the floor the HTTP layer adds to;
- tipg serving the same rows (bench/servers.py: a plain table copied from public_assets) as Mapbox vector tiles
  with the same two properties. tipg draws raw points at every zoom (at most 10,000 a tile, its default), where
  ours counts them in a grid below z13: not the same work at z10, which the notes say.

The block is 6 × 6 tiles at z14 and 3 × 3 at z10, centred on the city; wrk cycles through its tiles.
"""

from __future__ import annotations

import psycopg

from assetmap import tiles
from bench import county, load, servers

CLIENTS = 8
BLOCKS = {14: 6, 10: 3}


def tile_scripts(db_url: str, z: int) -> list[str]:
    """The SQL `assetmap.tiles.tile` runs for each tile of the block (the assets layer, unfiltered), captured as
    sent: one pgbench script per tile, picked at random per transaction."""
    x0, y0, x1, y1 = county.tile_block(z, BLOCKS[z])
    return [load.captured_sql(db_url, lambda conn, x=x, y=y: tiles.tile(conn, "assets", z, x, y))
            for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def paths(z: int, template: str) -> list[str]:
    x0, y0, x1, y1 = county.tile_block(z, BLOCKS[z])
    return [template.format(z=z, x=x, y=y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def run(db_url: str, home, seconds: float) -> dict:
    out = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        for z in BLOCKS:
            x0, y0, x1, y1 = county.tile_block(z, BLOCKS[z])
            sizes = [len(tiles.tile(conn, "assets", z, x, y)) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
            out[z] = {"tiles": len(sizes), "mean_tile_bytes": round(sum(sizes) / len(sizes)),
                      "pgbench": load.pgbench(db_url, tile_scripts(db_url, z), CLIENTS, seconds)}
    with servers.ours(db_url, home) as base:
        for z in BLOCKS:
            out[z]["ours"] = load.wrk(base, paths(z, "/tiles/assets/{z}/{x}/{y}.pbf"), CLIENTS, seconds)
    with servers.tipg(db_url, home) as base:
        template = (f"/collections/public.{servers.ANCHOR_TABLE}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
                    "?properties=public_id,category")
        for z in BLOCKS:
            out[z]["tipg"] = load.wrk(base, paths(z, template), CLIENTS, seconds)
    return {f"z{z}": v for z, v in out.items()}
