"""`python -m bench [--scale N] [--quick] [--seconds S] [--skip-earlier]` (or `make bench`): every workload beside
the tool people would pick instead, measured in the same run, printed as one table of ratios and written to
bench/results.json. What each row measures, and how the anchors are set up: docs/benchmarks.md.

One scratch database holds a region of published assets (bench/county.py), grown by COPY to 10k, 100k and then
--scale (default 1M); the public map is measured at each size, the load rows at the largest. The project's
earlier benchmarks follow (each on a database of its own). Every server and database is stopped or dropped at the
end, whatever happens. --quick: 10k assets, 2-second loads, a 10k-row import, no earlier benchmarks (a smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import psycopg

from assetmap.config import Settings
from assetmap.db.connect import local_cluster
from bench import county, servers
from bench.common import bench_database
from bench.table import print_table, rows_of

RESULTS = Path(__file__).parent / "results.json"
MAP_SIZES = (10_000, 100_000, 1_000_000)
ANCHORS_UP_TO = 100_000   # the folium anchors beside the map up to this size (docs/benchmarks.md)


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return local_cluster(Settings.from_env()).up(log=lambda m: None).url("postgres")


class Clock:
    """Seconds each part took, kept in the results: the whole bench must stay under 20 minutes."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}

    def run(self, name: str, fn, *args, **kwargs):
        print(f"[bench] {name} …", flush=True)
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except Exception as e:   # noqa: BLE001 (one failed row must not lose the others; the table says why)
            print(f"[bench] {name} FAILED: {e}", flush=True)
            return {"failed": f"{type(e).__name__}: {e}"[:500]}
        finally:
            self.parts[name] = round(time.perf_counter() - t, 1)
            print(f"[bench] {name}: {self.parts[name]} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", 1_000_000)),
                        help="published assets in the largest map and the load rows (default 1,000,000)")
    parser.add_argument("--seconds", type=float, default=8, help="length of each load run")
    parser.add_argument("--import-rows", type=int, default=None, help="rows of the import row (default --scale)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 10k assets, short runs")
    parser.add_argument("--skip-earlier", action="store_true", help="leave out the project's earlier benchmarks")
    args = parser.parse_args()
    if args.quick:
        args.scale, args.seconds, args.skip_earlier = 10_000, 2, True
    import_rows = args.import_rows or args.scale

    started = time.perf_counter()
    admin = server_url()
    clock = Clock()
    results: dict = {"scale": args.scale, "seconds_per_load_run": args.seconds, "workers": servers.WORKERS,
                     "started": time.strftime("%Y-%m-%d %H:%M:%S"), "public_map": {}}
    sizes = sorted({s for s in MAP_SIZES if s < args.scale} | {args.scale})
    with bench_database(admin, "load") as url, tempfile.TemporaryDirectory() as tmp, \
            psycopg.connect(url, autocommit=True) as conn:
        home = Path(tmp)
        from bench import api_load, ogc_load, public_map, tiles_load
        for size in sizes:
            seconds = clock.run(f"load {size:,} assets", county.grow, conn, size)
            results.setdefault("county_load_s", {})[str(size)] = seconds
            results["public_map"][str(size)] = clock.run(f"public map at {size:,}", public_map.run, url, home, size,
                                                         anchors=size <= ANCHORS_UP_TO)
        clock.run("anchor table", servers.make_anchor_table, conn)
        results["tiles"] = clock.run("tiles", tiles_load.run, url, home, args.seconds)
        results["ogc"] = clock.run("ogc items", ogc_load.run, url, home, args.seconds)
        results["api"] = clock.run("api bbox", api_load.run, url, home, args.seconds)

    from bench import imports
    results["imports"] = clock.run("import", imports.run, admin, import_rows)
    if not args.skip_earlier:
        run_earlier(admin, clock, results)

    results["part_seconds"] = clock.parts
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    rows = rows_of(results)
    results["table"] = rows
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print_table(rows)
    print(f"\nall servers ran {servers.WORKERS} worker processes; loads from wrk (2 threads) and pgbench (-j 2) on "
          f"loopback, {args.seconds:g} s each; total {results['total_seconds']} s; figures in {RESULTS}")


def run_earlier(admin: str, clock: Clock, results: dict) -> None:
    from bench import capacity, demo_load, geocode, overlaps, page_bytes, workshop_stream
    results.update(clock.run("demo load and API page", demo_load.run, admin, 10, 1))
    results["page_bytes"] = clock.run("page bytes", page_bytes.run, admin)

    def geocoding() -> dict:
        with bench_database(admin, "geocode") as url, psycopg.connect(url, autocommit=True) as conn:
            return geocode.run(conn)
    results["geocode"] = clock.run("geocoding", geocoding)
    results["overlaps"] = clock.run("service overlaps", overlaps.run, admin, 1)
    results["capacity"] = clock.run("capacity sharing", capacity.run, admin, 1)
    results["workshop_stream"] = clock.run("workshop stream", workshop_stream.run, admin)


if __name__ == "__main__":
    main()
