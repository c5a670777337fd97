"""Run the benchmarks: `python -m bench [--scale K] [--repeat N]`.

The machine is shared and noisy, so every figure is reported beside a baseline measured in the same run on the same
database, and as a ratio to it; each timing is the best of `--repeat` runs.

- demo load: loading the generated town (generation timed apart) at --scale, against a bare COPY of the same number
  of (lon, lat) rows into an unlogged table with no index or trigger (the floor for moving that many rows into
  PostgreSQL).
- API page: GET /api/v1/assets (1000 features with capacity offers, bbox of the town centre), against a bare
  query fetching the same rows' ids and ST_AsGeoJSON points.
- page bytes (bench/page_bytes.py): `/` on a phone in Chromium, first and repeat visit, against the first visit
  uncompressed; and the map's /api/v1/assets requests on load and after zooming in and back out.
- service overlaps (bench/overlaps.py): every overlapping pair of 10k catchments with its population, against
  geopandas (sjoin, shapely intersection, overlay with the neighbourhoods) on the same polygons.
- capacity sharing (bench/capacity.py): suggested links for 100k offers and 1k needs, against a bare GROUP BY of
  the offers, and checked against networkx's min-cost flow.
- workshop stream (bench/workshop_stream.py): `assetmap serve` (two gthread workers) with 500 open live maps (SSE);
  the delay from POSTing a note to its arrival at every map, against the same delay to a single open map; clients
  per worker, database connections held, and each worker's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import psycopg
from psycopg import sql

from assetmap import create_app, vocab
from assetmap.config import Settings
from assetmap.db import migrate
from assetmap.db.connect import local_cluster
from assetmap.demo.generate import generate_town
from assetmap.demo.load import load_demo
from bench.common import best


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return local_cluster(Settings.from_env()).up(log=lambda m: None).url("postgres")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 50)))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    admin = server_url()
    name = f"assetmap_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    results = {"scale": args.scale}
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.migrate(conn, log=lambda m: None)
            vocab.sync(conn)

            t0 = time.perf_counter()
            town = generate_town(1, args.scale)
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
            copy_s = best(bare_copy, args.repeat)
            conn.execute("DROP TABLE bench_points")
            results["demo_load"] = {"assets": assets, "offers": counts["capacity_offers"],
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
            query_s = best(bare_query, args.repeat * 3)

        app = create_app({"database_url": url, "tiles": "none", "secret_key": "bench"})
        client = app.test_client()
        api_url = "/api/v1/assets?limit=1000&bbox=" + ",".join(f"{v:.6f}" for v in bbox)
        returned = json.loads(client.get(api_url).data)["numberReturned"]
        api_s = best(lambda: client.get(api_url), args.repeat * 3)
        app.extensions["assetmap.pool"].close()
        results["api_page"] = {"features": returned, "seconds": round(api_s, 4),
                               "baseline_bare_query_s": round(query_s, 4),
                               "ratio_to_baseline": round(api_s / query_s, 1)}
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    from bench.geocode import run as run_geocode
    from bench.imports import run as run_imports
    from bench.page_bytes import run as run_page_bytes
    results["page_bytes"] = run_page_bytes(admin)
    results["imports"] = run_imports(admin)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.migrate(conn, log=lambda m: None)
            vocab.sync(conn)
            results["geocode"] = run_geocode(conn)
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    from bench.overlaps import describe as describe_overlaps
    from bench.overlaps import run as run_overlaps
    results["overlaps"] = run_overlaps(admin, args.repeat)
    from bench.capacity import describe as describe_capacity
    from bench.capacity import run as run_capacity
    results["capacity"] = run_capacity(admin, args.repeat)
    from bench.workshop_stream import describe as describe_stream
    from bench.workshop_stream import run as run_stream
    results["workshop_stream"] = run_stream(admin)

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    d, a = results["demo_load"], results["api_page"]
    print(f"demo town, scale {args.scale:g}: generated in {d['generate_seconds']} s; loaded {d['assets']} assets "
          f"and {d['offers']} offers in {d['seconds']} s ({d['assets_per_s']} assets/s); bare COPY of as many "
          f"points {d['baseline_bare_copy_s']} s; ratio {d['ratio_to_baseline']}x")
    print(f"API page: {a['features']} features in {a['seconds'] * 1000:.1f} ms; bare bbox query "
          f"{a['baseline_bare_query_s'] * 1000:.1f} ms; ratio {a['ratio_to_baseline']}x")
    b = results["page_bytes"]
    if "skipped" in b:
        print("page bytes: skipped,", b["skipped"])
    else:
        print(f"/ on a phone: first visit {b['first_visit_bytes']:,} bytes in {b['first_visit_requests']} requests, "
              f"repeat visit {b['repeat_visit_bytes']:,} bytes in {b['repeat_visit_requests']}; uncompressed first "
              f"visit {b['baseline_uncompressed_first_visit_bytes']:,}; ratio {b['ratio_to_baseline']}; "
              f"/api/v1/assets requests on load {b['api_requests_on_load']}, after zooming in and back out "
              f"{b['api_requests_after_zoom_in_and_out']}")
    print("imports:", json.dumps(results["imports"], indent=1))
    print("geocoding:", json.dumps(results["geocode"], indent=1))
    print(describe_overlaps(results["overlaps"]))
    print(describe_capacity(results["capacity"]))
    print(describe_stream(results["workshop_stream"]))


if __name__ == "__main__":
    main()
