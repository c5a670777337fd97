"""Importing neighbourhood polygons (LSOAs, wards, estates) with their population and need score.

Upsert by code, updating in place, so ids (and everything that points at them) survive a boundary refresh. The
statement triggers on neighbourhoods re-derive the neighbourhood of every asset and service site under a polygon that
was added or reshaped, in the same transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import shapely

from ..model import audit
from .read import read_table
from .report import ImportReport
from .staging import Ticker, import_transaction, stage

COLUMNS = {"ord": "bigint", "code": "text", "name": "text", "population": "integer", "need_score": "float8",
           "attrs": "jsonb", "wkb": "bytea"}


def import_neighbourhoods(conn: psycopg.Connection, path: Path | str, *, code_field: str, name_field: str,
                          population_field: str | None = None, need_field: str | None = None,
                          dry_run: bool = False, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Polygons to neighbourhoods: repaired when invalid, rejected when unusable, upserted by code."""
    path = Path(path)
    table = read_table(path)
    report = ImportReport(kind="neighbourhoods", source=path.name, dry_run=dry_run, read=len(table.records))
    report.notes += table.notes
    wanted = [f for f in (code_field, name_field, population_field, need_field) if f]
    missing = [f for f in wanted if f not in table.columns]
    if missing:
        raise ValueError(f"{path.name} has no column {', '.join(missing)} (it has {', '.join(table.columns)})")
    ticker = Ticker(progress)
    rows, seen, repaired = [], {}, 0
    for r in table.records:
        ticker.tick()
        problems = []
        code, name = _text(r.fields.get(code_field)), _text(r.fields.get(name_field))
        if not code:
            problems.append(f"no code in {code_field}")
        elif len(code) > 64:
            problems.append("code longer than 64 characters")
        elif code in seen:
            problems.append(f"code {code} repeats row {seen[code]}")
        if not name:
            problems.append(f"no name in {name_field}")
        elif len(name) > 200:
            problems.append("name longer than 200 characters")
        population = need = None
        if population_field:
            population, problem = _whole(r.fields.get(population_field), population_field)
            problems += problem
        if need_field:
            need, problem = _number(r.fields.get(need_field), need_field)
            problems += problem
        geom, fixed, problem = _polygonal(r.geometry)
        problems += problem
        if problems:
            report.reject(r.row_number, r.fields, "; ".join(problems))
            continue
        seen[code] = r.row_number
        repaired += fixed
        attrs = {k: v for k, v in r.fields.items() if k not in wanted}
        rows.append((r.row_number, code, name, population, need, json.dumps(attrs, default=str),
                     shapely.to_wkb(geom)))
    ticker.flush()
    if repaired:
        report.notes.append(f"{repaired} invalid polygons repaired (made valid)")

    with import_transaction(conn, dry_run) as cur:
        stage(cur, "import_neighbourhoods", COLUMNS, rows)
        # shapely and PostGIS may link different GEOS versions: repair again in SQL so the CHECK never fails.
        inserted = cur.execute("""
            WITH up AS (
                INSERT INTO neighbourhoods (code, name, population, need_score, attrs, geom, source)
                SELECT code, name, population, need_score, attrs,
                       ST_Multi(CASE WHEN ST_IsValid(g) THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), 3) END),
                       %(source)s
                  FROM import_neighbourhoods, LATERAL (SELECT ST_GeomFromWKB(wkb, 4326) AS g) x
                 ORDER BY ord
                ON CONFLICT (code) DO UPDATE SET
                    name = EXCLUDED.name, population = EXCLUDED.population, need_score = EXCLUDED.need_score,
                    attrs = EXCLUDED.attrs, geom = EXCLUDED.geom, source = EXCLUDED.source
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up""",
                               {"source": path.stem}).fetchone()
        report.inserted, report.updated = inserted
        audit.write(cur, actor=f"import:{path.stem}", action="import", entity="neighbourhoods",
                    after=report.counts() | {"repaired": repaired})
    return report


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _whole(value: Any, field: str) -> tuple[int | None, list[str]]:
    number, problems = _number(value, field)
    if problems or number is None:
        return None, problems
    if number < 0 or number != int(number):
        return None, [f"{field} must be a whole number of people, 0 or more ({value!r})"]
    return int(number), []


def _number(value: Any, field: str) -> tuple[float | None, list[str]]:
    if value is None:
        return None, []
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, [f"{field} is not a number ({value!r})"]
    if not math.isfinite(number):
        return None, [f"{field} is not a finite number"]
    return number, []


def _polygonal(geom) -> tuple[Any, int, list[str]]:
    """(the polygon or multipolygon, 1 if it was repaired, problems)."""
    if geom is None or geom.is_empty:
        return None, 0, ["no geometry (empty)"]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, 0, [f"not a polygon ({geom.geom_type})"]
    if geom.is_valid:
        return geom, 0, []
    # make_valid can return a collection with stray lines or points: keep only the areas.
    fixed = shapely.get_parts(shapely.make_valid(geom))
    polygons = [p for g in fixed for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return None, 0, ["invalid polygon that has no area once repaired"]
    # Parts of one repair may share edges, which a MultiPolygon may not: dissolve them.
    return shapely.union_all(polygons), 1, []
