"""Benchmark: importing a postcode file, and geocoding 100k postcodes with one `geocode_many` call.

`run(conn)` wants a migrated database (the gazetteer is written to, with source "codepoint"). It imports the real
Camden Code-Point file when ../shared/realdata is there, otherwise a synthetic file of the same size. Baselines,
measured in the same run: a bare COPY of as many rows into an unlogged table, and shipping the 100k query strings
to the server and back (`unnest` of the same array).
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from pathlib import Path

import psycopg

from assetmap.config import project_root
from assetmap.geocode.gazetteer import GazetteerGeocoder
from assetmap.ingest.gazetteer import import_gazetteer

REALDATA = Path(os.environ.get("ASSETMAP_REALDATA") or project_root().parent / "shared" / "realdata")
CAMDEN = REALDATA / "camden_postcodes_codepoint2014.csv"
QUERIES = 100_000


def _synthetic_codepoint(path: Path, rows: int = 8354) -> Path:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    codes = (f"ZZ{d} {n}{a}{b}" for d in range(1, 100) for n in range(10) for a in letters for b in letters)
    with open(path, "w") as f:
        for i, pc in enumerate(itertools.islice(codes, rows)):
            f.write(f"{pc},10,{529000 + i % 3000},{183000 + i // 3000 * 10},E92000001,,,,E09000007,\n")
    return path


def _timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def run(conn: psycopg.Connection) -> dict:
    """Rows per second for the import (first load and re-load) and for geocode_many of 100k postcodes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = CAMDEN if CAMDEN.exists() else _synthetic_codepoint(Path(tmp) / "codepoint.csv")
        first, first_s = _timed(lambda: import_gazetteer(conn, path, fmt="codepoint"))
        again, again_s = _timed(lambda: import_gazetteer(conn, path, fmt="codepoint"))

    def bare_copy():
        conn.execute("CREATE UNLOGGED TABLE bench_copy (postcode text, x float8, y float8)")
        with conn.cursor().copy("COPY bench_copy FROM STDIN") as copy:
            for i in range(first.read):
                copy.write_row((f"NW1 {i}", 529000.0 + i, 183000.0))
        conn.execute("DROP TABLE bench_copy")
    _, copy_s = _timed(bare_copy)

    # Real postcodes, repeated and spelled as people type them (lower case, no space) to reach 100k.
    postcodes = [r[0] for r in conn.execute(
        "SELECT normalised FROM gazetteer WHERE kind = 'postcode' AND source = 'codepoint'").fetchall()]
    spellings = (lambda p: p, lambda p: p.lower(), lambda p: p.replace(" ", ""), lambda p: f" {p.lower()} ")
    pairs = itertools.cycle([(s, p) for s in spellings for p in postcodes])
    queries = [spell(pc) for spell, pc in itertools.islice(pairs, QUERIES)]
    geocode_s, ship_s, found = _geocode(conn, queries)

    # The same again with 100k distinct postcodes, from a synthetic Code-Point file of that size.
    with tempfile.TemporaryDirectory() as tmp:
        big = _synthetic_codepoint(Path(tmp) / "synthetic.csv", QUERIES)
        big_report, big_s = _timed(lambda: import_gazetteer(conn, big, fmt="codepoint"))
        distinct = [line.split(",")[0].lower() for line in big.read_text().splitlines()]
    big_geocode_s, big_ship_s, big_found = _geocode(conn, distinct)
    return {
        "import": {"file": path.name, "rows": first.read, "inserted": first.inserted,
                   "seconds": round(first_s, 3), "rows_per_s": round(first.read / first_s),
                   "reimport_seconds": round(again_s, 3), "reimport_rows_per_s": round(again.read / again_s),
                   "baseline_bare_copy_s": round(copy_s, 3), "ratio_to_baseline": round(first_s / copy_s, 1)},
        "geocode_many": {"queries": len(queries), "distinct_postcodes": len(postcodes), "found": found,
                         "seconds": round(geocode_s, 3), "queries_per_s": round(len(queries) / geocode_s),
                         "baseline_ship_array_s": round(ship_s, 3),
                         "ratio_to_baseline": round(geocode_s / ship_s, 1)},
        "synthetic_100k": {"import_seconds": round(big_s, 3), "import_rows_per_s": round(big_report.read / big_s),
                           "inserted": big_report.inserted, "geocode_seconds": round(big_geocode_s, 3),
                           "geocode_queries_per_s": round(len(distinct) / big_geocode_s), "found": big_found,
                           "baseline_ship_array_s": round(big_ship_s, 3)},
    }


def _geocode(conn: psycopg.Connection, queries: list[str]) -> tuple[float, float, int]:
    """Seconds for one geocode_many call, seconds to ship the same array through the server, and hits."""
    results, seconds = _timed(lambda: GazetteerGeocoder(conn).geocode_many(queries))
    _, ship_s = _timed(lambda: conn.execute("SELECT count(*) FROM unnest(%s::text[])", (queries,)).fetchone())
    return seconds, ship_s, sum(results[q] is not None for q in queries)


if __name__ == "__main__":
    import json
    import os

    with psycopg.connect(os.environ["BENCH_DATABASE_URL"], autocommit=True) as c:
        print(json.dumps(run(c), indent=2))
