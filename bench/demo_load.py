"""The demo town loaded at --scale against a bare COPY of as many points, and one API page (1000 features of the
town centre) through Flask's test client against the bare bbox query: the project's first benchmark.

- demo load: loading the generated town (generation timed apart), against a bare COPY of the same number of
  (lon, lat) rows into an unlogged table with no index or trigger (the floor for moving that many rows).
- API page: GET /api/v1/assets (1000 features with capacity offers, bbox of the town centre), against a bare
  query fetching the same rows' ids and ST_AsGeoJSON points.
"""

from __future__ import annotations

import json
import time

import psycopg

from assetmap import create_app
from assetmap.demo.generate import generate_town
from assetmap.demo.load import load_demo
from bench.common import bench_database, best


def run(admin: str, scale: float, repeat: int) -> dict:
    results = {}
    with bench_database(admin, "demo") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            t0 = time.perf_counter()
            town = generate_town(1, scale)
            generate_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            counts = load_demo(conn, town=town)
            load_s = time.perf_counter() - t0
            assets = counts["assets"]

            def bare_copy():
                conn.execute("DROP TABLE IF EXISTS bench_points")
                conn.execute("CREATE UNLOGGED TABLE bench_points (lon float8, lat float8)")
                with conn.cursor().copy("COPY bench_points (lon, lat) FROM STDIN") as copy:
                    for i in range(assets):
                        copy.write_row((-1.0 + i * 1e-7, 52.0))
            copy_s = best(bare_copy, repeat)
            conn.execute("DROP TABLE bench_points")
            results["demo_load"] = {"scale": scale, "assets": assets, "offers": counts["capacity_offers"],
                                    "generate_seconds": round(generate_s, 3), "seconds": round(load_s, 3),
                                    "assets_per_s": round(assets / load_s),
                                    "baseline_bare_copy_s": round(copy_s, 3),
                                    "ratio_to_baseline": round(load_s / copy_s, 1)}

            cx, cy = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) c "
                                  "FROM neighbourhoods) x").fetchone()
            bbox = (cx - 0.02, cy - 0.015, cx + 0.02, cy + 0.015)

            def bare_query():
                conn.execute("SELECT id, ST_AsGeoJSON(geom) FROM assets WHERE status = 'published' AND "
                             "geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY id LIMIT 1000",
                             bbox).fetchall()
            query_s = best(bare_query, repeat * 3)

        app = create_app({"database_url": url, "tiles": "none", "secret_key": "bench"})
        client = app.test_client()
        api_url = "/api/v1/assets?limit=1000&bbox=" + ",".join(f"{v:.6f}" for v in bbox)
        returned = json.loads(client.get(api_url).data)["numberReturned"]
        api_s = best(lambda: client.get(api_url), repeat * 3)
        app.extensions["assetmap.pool"].close()
        results["api_page"] = {"features": returned, "seconds": round(api_s, 4),
                               "baseline_bare_query_s": round(query_s, 4),
                               "ratio_to_baseline": round(api_s / query_s, 1)}
    return results
