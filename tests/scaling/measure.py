"""The figures in docs/scaling.md, measured in one run on this machine:

    .venv/bin/python -m tests.scaling.measure

A throwaway primary with the demo town, its hot standby and a transaction-pooling PgBouncer in front of the
primary (tests/scaling/postgres.py, processes.py); three `assetmap serve` (2 workers each): direct to the primary (the
baseline), through PgBouncer, and with reads on the standby. They take turns, ROUNDS times, each loaded by CLIENTS
threads on keep-alive connections for SECONDS per route; then the standby's replay lag after single-row commits.
"""

from __future__ import annotations

import http.client
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from tests.scaling.postgres import demo_replica
from tests.scaling.processes import PgBouncer, Serve, tile_of

CLIENTS = 8
SECONDS = 2.0
ROUNDS = 3
ROUTES = {"tile": "/tiles/assets/14/{x}/{y}.pbf", "api": "/api/v1/assets?limit=100",
          "categories": "/api/v1/categories"}


def load(port: int, path: str) -> tuple[float, float]:
    """(requests a second, median ms) with CLIENTS threads asking for `path` for SECONDS."""
    done: list[float] = []
    failures: list[int] = []
    stop = time.monotonic() + SECONDS

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            began = time.monotonic()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
            done.append(time.monotonic() - began)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise AssertionError(f"{path}: {len(failures)} failed requests, e.g. {failures[0]}")
    return len(done) / (time.monotonic() - began), statistics.median(done) * 1000


def replay_lag(primary_url: str, standby_url: str, commits: int = 50) -> tuple[float, float]:
    """(median, 95th percentile) ms from sending a single-row commit to the primary until the standby has replayed
    it (up to the primary's flush position after the commit), polled on one open connection each."""
    lags = []
    with psycopg.connect(primary_url, autocommit=True) as primary, \
            psycopg.connect(standby_url, autocommit=True) as standby:
        for i in range(commits):
            began = time.monotonic()
            primary.execute("UPDATE neighbourhoods SET name = name WHERE code = (SELECT min(code) FROM neighbourhoods)")
            lsn = primary.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]   # past the commit
            while not standby.execute("SELECT pg_last_wal_replay_lsn() >= %s", (lsn,)).fetchone()[0]:
                if time.monotonic() - began > 10:
                    raise AssertionError("the standby did not replay a commit within 10 s")
            lags.append((time.monotonic() - began) * 1000)
            time.sleep(0.01 * (i % 3))
    lags.sort()
    return statistics.median(lags), lags[int(len(lags) * 0.95) - 1]


def tile_path(primary_url: str) -> str:
    with psycopg.connect(primary_url) as conn:
        lon, lat = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) c "
                                "FROM public_assets) x").fetchone()
    _, x, y = tile_of(lon, lat, 14)
    return ROUTES["tile"].format(x=x, y=y)


def main() -> None:
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with demo_replica() as (primary_url, standby_url):
        routes = {**ROUTES, "tile": tile_path(primary_url)}
        bouncer = PgBouncer(primary_url, pool_size=10)
        servers: dict[str, Serve] = {}
        try:
            setups = {
                "direct": {"DATABASE_URL": primary_url},
                "pgbouncer": {"DATABASE_URL": bouncer.url(), "ASSETMAP_STATEMENT_TIMEOUT": "0",
                              "ASSETMAP_LISTEN_DATABASE_URL": primary_url},
                "replica": {"DATABASE_URL": primary_url, "ASSETMAP_READ_DATABASE_URL": standby_url},
            }
            for name, env in setups.items():
                servers[name] = Serve(Path(tempfile.mkdtemp(prefix=f"assetmap-measure-{name}-")), **env)
                for path in routes.values():   # warm: pools open, first plans made
                    status, _, body = servers[name].request("GET", path)
                    assert status == 200, (name, path, body)
            # All three serve at once and take turns, ROUNDS times: background load on this shared machine then
            # falls on each setup alike, and each round gives a ratio against the baseline of the same moment.
            for _ in range(ROUNDS):
                for route, path in routes.items():
                    for name, server in servers.items():
                        samples.setdefault((route, name), []).append(load(server.port, path))
        finally:
            for server in servers.values():
                server.stop()
                shutil.rmtree(server.log_path.parent, ignore_errors=True)
            bouncer.stop()
        lag = replay_lag(primary_url, standby_url)
    print(f"{CLIENTS} clients, {ROUNDS} rounds of {SECONDS:.0f} s per route and setup, assetmap serve with 2 workers\n")
    print("| route | setup | requests/s (median of rounds) | median ms | requests/s vs direct, per round |")
    print("|---|---|---|---|---|")
    for route in ROUTES:
        base = samples[(route, "direct")]
        for name in ("direct", "pgbouncer", "replica"):
            runs = samples[(route, name)]
            ratios = sorted(r[0] / b[0] for r, b in zip(runs, base, strict=True))
            print(f"| {route} | {name} | {statistics.median(r[0] for r in runs):.0f} | "
                  f"{statistics.median(r[1] for r in runs):.1f} | {', '.join(f'{x:.2f}' for x in ratios)} |")
    tile_ms = statistics.median(r[1] for r in samples[("tile", "direct")])
    print(f"\nreplay lag after a one-row commit: median {lag[0]:.1f} ms, 95th percentile {lag[1]:.1f} ms "
          f"({lag[0] / tile_ms:.2f}× the median tile request, {tile_ms:.1f} ms, direct)")


if __name__ == "__main__":
    main()
