"""What an asset import would do, before it does it: the dry run's report, and where each row would land.

`preview_assets` runs the importer as a dry run (so the counts and rejects are the real import's) and then places
every row the way the loader does (its own coordinates, else the same geocoder on its postcode or address) to say
which neighbourhood it falls in. Rows that would be imported but lie outside every neighbourhood are listed: they
would be kept, with no neighbourhood, and a planner usually wants to know before, not after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from ..config import Settings
from ..model.submission import says_private_home
from .asset_files import prepare
from .assets import load_assets
from .report import ImportReport
from .staging import geocode_missing, has_coordinates, location_query

SHOWN_ROWS = 50


@dataclass(frozen=True)
class PreviewRow:
    row_number: int
    name: str
    category: str
    schedule: str | None          # the first offer's, as it would be stored
    lon: float | None
    lat: float | None
    geocoded: bool                # placed by its postcode or address rather than its own coordinates
    neighbourhood: str | None     # the name of the one it falls in
    problem: str | None           # why it would be rejected, if it would


@dataclass
class Preview:
    report: ImportReport
    rows: list[PreviewRow]                              # the first SHOWN_ROWS rows
    outside: list[int] = field(default_factory=list)   # row numbers: imported, but in no neighbourhood
    neighbourhoods: int = 0                             # how many there are to fall in
    outline: dict | None = None                         # their union as GeoJSON, simplified, for a map


def preview_assets(conn: psycopg.Connection, path: Path | str, *, source: str | None = None,
                   mapping: dict | Path | str | None = None, pending: bool = False,
                   settings: Settings | None = None, shown: int = SHOWN_ROWS) -> Preview:
    """The dry run of import_assets with the same arguments, and each row's place and neighbourhood."""
    path = Path(path)
    report, rows = prepare(path, mapping, None, dry_run=True)
    load_assets(conn, rows, source=source or path.stem, report=report, status="pending" if pending else "published",
                dry_run=True, settings=settings)
    found = geocode_missing(conn, settings, [f for _, f in rows])   # the loader's answers, from the same geocoder
    points: dict[int, tuple[float, float, bool]] = {}
    for number, fields in rows:
        if has_coordinates(fields):
            point = _point(fields.get("lon"), fields.get("lat"))
            if point:
                points[number] = (*point, False)
        elif (result := found.get(location_query(fields) or "")) is not None:
            points[number] = (result.lon, result.lat, True)
    homes = {n for n, fields in rows if says_private_home(fields)}
    names, count = _neighbourhoods(conn, points, homes)
    rejected = {r.row_number: r.reason for r in report.rejected}
    outside = [n for n, _ in rows if n in points and n not in rejected and names.get(n) is None]
    if outside:
        listed = ", ".join(map(str, outside[:20])) + (" …" if len(outside) > 20 else "")
        report.notes.append(f"{len(outside)} row{'s lie' if len(outside) != 1 else ' lies'} outside every "
                            f"neighbourhood (row{'s' if len(outside) != 1 else ''} {listed}): imported, "
                            "they would have no neighbourhood")
    preview_rows = []
    for number, fields in rows[:shown]:
        lon, lat, geocoded = points.get(number, (None, None, False))
        preview_rows.append(PreviewRow(number, _text(fields.get("name")), _text(fields.get("category")),
                                       _schedule(fields), lon, lat, geocoded, names.get(number),
                                       rejected.get(number)))
    return Preview(report, preview_rows, outside, count, _outline(conn) if count else None)


def outside_count(conn: psycopg.Connection, source: str) -> int:
    """Assets of this source (not archived or rejected) that lie in no neighbourhood, after a real import."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("SELECT count(*) FROM assets WHERE source = %s AND neighbourhood_id IS NULL "
                           "AND status IN ('published', 'pending')", (source,)).fetchone()[0]


def _neighbourhoods(conn: psycopg.Connection, points: dict[int, tuple[float, float, bool]], homes: set[int]
                    ) -> tuple[dict[int, str | None], int]:
    """Row number → the name of the neighbourhood its point falls in (one statement), and how many there are.

    A private home's is its public point's, as the import will store it (migration 0027)."""
    numbers = list(points)
    with conn.cursor(row_factory=tuple_row) as cur:
        count = cur.execute("SELECT count(*) FROM neighbourhoods").fetchone()[0]
        rows = cur.execute("""
            SELECT q.n, n.name
              FROM unnest(%(n)s::int[], %(lon)s::float8[], %(lat)s::float8[], %(home)s::bool[])
                   AS q(n, lon, lat, home)
              LEFT JOIN neighbourhoods n
                     ON n.id = neighbourhood_at(public_point(ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326),
                                                             CASE WHEN q.home THEN 'generalised' ELSE 'exact' END))""",
            {"n": numbers, "lon": [points[n][0] for n in numbers], "lat": [points[n][1] for n in numbers],
             "home": [n in homes for n in numbers]}).fetchall()
    return dict(rows), count


def _outline(conn: psycopg.Connection) -> dict | None:
    """Where the neighbourhoods are, as one simplified shape (about 10 m): enough to see a point fall outside."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute("SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_Union(geom), 0.0001), 6)::json "
                           "FROM neighbourhoods").fetchone()[0]


def _point(lon: Any, lat: Any) -> tuple[float, float] | None:
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90 else None


def _schedule(fields: dict) -> str | None:
    offers = fields.get("capacity")
    if isinstance(offers, list) and offers and isinstance(offers[0], dict):
        return offers[0].get("schedule")
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
