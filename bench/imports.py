"""Import benchmark: `assetmap import assets` of N rows with postcodes only (geocoded through the gazetteer), against
ogr2ogr loading the same rows already geocoded into a bare table, measured in the same run.

`python -m bench.imports [--rows N]` (default 1M, the issue's case) or `run(admin_url, rows)` from bench/__main__.py.
It makes its own database (the demo town, for its gazetteer postcodes and neighbourhoods) and drops it at the end.

- by_postcode: the import of a CSV of source_ref, name, category and postcode (every postcode in the gazetteer):
  geocoding, neighbourhoods, offers, versions and the audit row included, in one transaction.
- reimport (with reimport=True, --reimport): the same file again (every row an update: a new version each).
- ogr2ogr_baseline: GDAL's ogr2ogr loading the same rows with their lon/lat (a CSV) into a new table: its default
  COPY path, with the GiST index it creates. The ratio is the import's time over ogr2ogr's; the issue asks ≤ 1.0.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import psycopg
from psycopg.conninfo import conninfo_to_dict

from assetmap.demo.load import load_demo
from assetmap.ingest.asset_files import import_assets
from bench.common import bench_database

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


def run(admin_url: str, rows: int = 1_000_000, *, reimport: bool = False) -> dict:
    """Measure the import of `rows` rows by postcode (and its re-import) and ogr2ogr on a database of its own.

    ogr2ogr runs before and after the imports and counts its faster run, so that the machine's noise (shared by
    everyone) does not flatter the ratio."""
    with bench_database(admin_url, "imports") as url, psycopg.connect(url, autocommit=True) as conn, \
            tempfile.TemporaryDirectory() as tmp:
        load_demo(conn, seed=1, scale=1)
        with_coords, by_postcode, n_postcodes = _files(conn, rows, Path(tmp))
        conn.execute("CHECKPOINT")   # the demo load's dirty pages are not the import's to write
        s_ogr_before = _ogr2ogr(url, with_coords)
        s_postcodes, first = _timed(lambda: import_assets(conn, by_postcode, source="bench"))
        if reimport:
            s_again, again = _timed(lambda: import_assets(conn, by_postcode, source="bench"))
        s_ogr_after = _ogr2ogr(url, with_coords)
        ogr_rows = conn.execute("SELECT count(*) FROM ogr_assets").fetchone()[0] if s_ogr_after else None
        versions = conn.execute("SELECT count(*) FROM asset_versions v JOIN assets a ON a.id = v.asset_id "
                                "WHERE a.source = 'bench'").fetchone()[0]

    def entry(seconds, report):
        return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds), "inserted": report.inserted,
                "updated": report.updated, "rejected": len(report.rejected)}
    out = {"rows": rows, "gazetteer_postcodes": n_postcodes, "by_postcode": entry(s_postcodes, first),
           "versions_written": versions}
    if reimport:
        out["reimport"] = entry(s_again, again)
    if s_ogr_after is not None:
        s_ogr = min(s_ogr_before, s_ogr_after)
        out["ogr2ogr_baseline"] = {"seconds": round(s_ogr, 2), "rows_per_s": round(rows / s_ogr), "rows": ogr_rows,
                                   "runs_s": [round(s_ogr_before, 2), round(s_ogr_after, 2)]}
        out["by_postcode"]["ratio_to_ogr2ogr"] = round(s_postcodes / s_ogr, 2)
        if reimport:
            out["reimport"]["ratio_to_ogr2ogr"] = round(s_again / s_ogr, 2)
    return out


def describe(out: dict) -> str:
    """One line for the bench table."""
    b, o = out["by_postcode"], out.get("ogr2ogr_baseline")
    line = f"import of {out['rows']:,} rows by postcode: {b['seconds']} s ({b['rows_per_s']:,} rows/s)"
    if o is None:
        return line + "; ogr2ogr not installed, no baseline"
    line += f"; ogr2ogr of the same rows geocoded {o['seconds']} s; ratio {b['ratio_to_ogr2ogr']}x"
    if "reimport" in out:
        line += f" (re-import {out['reimport']['seconds']} s, {out['reimport']['ratio_to_ogr2ogr']}x)"
    return line


def main() -> None:
    from bench.__main__ import server_url
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reimport", action="store_true", help="also time importing the same file again")
    args = parser.parse_args()
    out = run(server_url(), args.rows, reimport=args.reimport)
    print(json.dumps(out, indent=2))
    print(describe(out))


if __name__ == "__main__":
    main()
