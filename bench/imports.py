"""Import benchmark: 100k assets with coordinates, 100k by postcode through the gazetteer, and ogr2ogr as baseline.

`python -m bench.imports [--rows N]` or `run(admin_url)` from bench/__main__.py. It makes its own database (the demo
town, for its gazetteer postcodes and neighbourhoods) and drops it at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from assetmap import vocab
from assetmap.db import migrate
from assetmap.demo.load import load_demo
from assetmap.ingest.asset_files import import_assets

CATEGORIES = ("community_centre", "library", "sports_leisure", "health_wellbeing", "food_support", "other")


def _files(conn: psycopg.Connection, rows: int, folder: Path) -> tuple[Path, Path, int]:
    """Two CSVs of the same rows: one with lon/lat, one with postcodes only (points from the gazetteer)."""
    postcodes = conn.execute("SELECT name, ST_X(geom), ST_Y(geom) FROM gazetteer WHERE kind = 'postcode' "
                             "ORDER BY name").fetchall()
    rnd = random.Random(1)
    picked = [postcodes[rnd.randrange(len(postcodes))] for _ in range(rows)]
    frame = pd.DataFrame({
        "source_ref": [f"b{i}" for i in range(rows)],
        "name": [f"Bench asset {i}" for i in range(rows)],
        "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(rows)],
        "postcode": [p[0] for p in picked],
        "lon": [p[1] for p in picked],
        "lat": [p[2] for p in picked],
    })
    with_coords, by_postcode = folder / "with_coords.csv", folder / "by_postcode.csv"
    frame.to_csv(with_coords, index=False)
    frame.drop(columns=["lon", "lat"]).to_csv(by_postcode, index=False)
    return with_coords, by_postcode, len(postcodes)


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _ogr2ogr(url: str, path: Path) -> float | None:
    """Seconds for ogr2ogr to load the CSV into a new table (COPY, GiST index); None without gdal-bin."""
    exe = shutil.which("ogr2ogr")
    if exe is None:
        return None
    params = conninfo_to_dict(url)
    pg = "PG:" + " ".join(f"{k}={params[k]}" for k in ("host", "port", "dbname", "user", "password") if k in params)
    cmd = [exe, "-f", "PostgreSQL", pg, str(path), "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
           "-a_srs", "EPSG:4326", "-nln", "ogr_assets", "-overwrite"]
    seconds, _ = _timed(lambda: subprocess.run(cmd, check=True, capture_output=True))
    return seconds


def run(admin_url: str, rows: int = 100_000) -> dict:
    """Measure the three loads on a database of its own; returns the figures."""
    name = f"assetmap_bench_imports_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_conninfo(admin_url, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn, tempfile.TemporaryDirectory() as tmp:
            migrate.migrate(conn, log=lambda m: None)
            vocab.sync(conn)
            load_demo(conn, seed=1, scale=1)
            with_coords, by_postcode, n_postcodes = _files(conn, rows, Path(tmp))

            s_coords, r1 = _timed(lambda: import_assets(conn, with_coords, source="bench_coords"))
            s_again, r2 = _timed(lambda: import_assets(conn, with_coords, source="bench_coords"))
            s_postcodes, r3 = _timed(lambda: import_assets(conn, by_postcode, source="bench_postcodes"))
            s_ogr = _ogr2ogr(url, with_coords)
            ogr_rows = conn.execute("SELECT count(*) FROM ogr_assets").fetchone()[0] if s_ogr else None
    finally:
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def entry(seconds, report):
        return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds), "inserted": report.inserted,
                "updated": report.updated, "rejected": len(report.rejected)}
    out = {"rows": rows, "gazetteer_postcodes": n_postcodes,
           "with_coordinates": entry(s_coords, r1),
           "reimport_with_coordinates": entry(s_again, r2),
           "by_postcode": entry(s_postcodes, r3)}
    if s_ogr is not None:
        out["ogr2ogr_baseline"] = {"seconds": round(s_ogr, 2), "rows_per_s": round(rows / s_ogr), "rows": ogr_rows}
        out["with_coordinates"]["ratio_to_ogr2ogr"] = round(s_coords / s_ogr, 1)
        out["by_postcode"]["ratio_to_ogr2ogr"] = round(s_postcodes / s_ogr, 1)
    return out


def main() -> None:
    from bench.__main__ import server_url
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(run(server_url(), args.rows), indent=2))


if __name__ == "__main__":
    main()
