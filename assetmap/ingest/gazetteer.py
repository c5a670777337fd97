"""Importing postcode centroids into the gazetteer: OS Code-Point Open, the ONS Postcode Directory, or a plain CSV.

Rows are checked in Python (every problem with a row is reported), streamed with COPY into a temporary table, and
written by one INSERT … ON CONFLICT in the same transaction: a failure leaves nothing, a dry run rolls it all back.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from ..errors import AssetMapError
from ..model.submission import normalise_postcode
from .report import ImportReport
from .staging import Ticker

FORMATS = ("codepoint", "onspd", "csv")

# Code-Point Open's CSVs have no header; this is the order its user guide gives.
CODEPOINT_COLUMNS = ["Postcode", "Positional_quality_indicator", "Eastings", "Northings", "Country_code",
                     "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code", "Admin_district_code",
                     "Admin_ward_code"]
# Extents of the British National Grid (EPSG:27700), in metres and in degrees: a point outside is a bad row.
BNG_EASTING = (0.0, 700_000.0)
BNG_NORTHING = (0.0, 1_300_000.0)
GB_LON = (-9.0, 2.1)
GB_LAT = (49.7, 61.1)
ONSPD_NO_GRID_LAT = 99.999999


class _Rollback(Exception):
    """Raised inside the transaction of a dry run, so everything it wrote is undone."""


def import_gazetteer(conn: psycopg.Connection, path: Path | str, *, fmt: str, dry_run: bool = False,
                     progress: Callable[[int], None] | None = None) -> ImportReport:
    """Load the postcodes of one file into the gazetteer (source "codepoint", "onspd" or "csv:<stem>")."""
    path = Path(path)
    if fmt not in FORMATS:
        raise AssetMapError(f"unknown gazetteer format {fmt!r}: use one of {', '.join(FORMATS)}")
    source = f"csv:{path.stem}" if fmt == "csv" else fmt
    report = ImportReport(kind="gazetteer", source=path.name, dry_run=dry_run)
    try:
        with conn.transaction():
            conn.execute("""
                CREATE TEMP TABLE gazetteer_stage (
                    row_number integer, postcode text, x float8, y float8, srid integer, attrs jsonb
                ) ON COMMIT DROP""")
            _stage(conn, _read(path, fmt, report, progress))
            report.inserted, report.updated = conn.execute("""
                WITH written AS (
                    INSERT INTO gazetteer (kind, name, normalised, geom, source, attrs)
                    SELECT 'postcode', postcode, postcode,
                           ST_Transform(ST_SetSRID(ST_MakePoint(x, y), srid), 4326), %(source)s, attrs
                      FROM gazetteer_stage ORDER BY row_number
                    ON CONFLICT (kind, normalised, source) DO UPDATE
                       SET name = EXCLUDED.name, geom = EXCLUDED.geom, attrs = EXCLUDED.attrs
                    RETURNING (xmax = 0) AS inserted)
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written""",
                {"source": source}).fetchone()
            conn.execute("DROP TABLE gazetteer_stage")   # ON COMMIT is too late when called inside a transaction
            if dry_run:
                raise _Rollback
            # The planner's row estimates matter for geocode_many's joins; a big import changes them a lot.
            conn.execute("ANALYZE gazetteer")
    except _Rollback:
        pass
    return report


def _stage(conn: psycopg.Connection, rows: Iterator[tuple]) -> None:
    with conn.cursor().copy(
            "COPY gazetteer_stage (row_number, postcode, x, y, srid, attrs) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _read(path: Path, fmt: str, report: ImportReport, progress) -> Iterator[tuple]:
    """Good rows as staging tuples; bad ones go to the report with every reason that applies."""
    seen: dict[str, int] = {}
    ticker = Ticker(progress)
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        first = next(reader, None)
        if first is None:
            return
        header, records = _columns(fmt, first, reader)
        parse = _PARSERS[fmt](header)
        for number, cells in enumerate(records, start=1):
            if not any(c.strip() for c in cells):
                continue
            row = dict(zip(header, cells))
            report.read += 1
            postcode, x, y, srid, attrs, problems = parse(row)
            if postcode and not problems and postcode in seen:
                problems.append(f"duplicate of row {seen[postcode]} ({postcode})")
            if problems:
                report.reject(number, row, "; ".join(problems))
            else:
                seen[postcode] = number
                yield number, postcode, x, y, srid, Jsonb(attrs)
            ticker.tick()
    ticker.flush()


def _columns(fmt: str, first: list[str], reader) -> tuple[list[str], Iterator[list[str]]]:
    """The column names and the data rows: Code-Point's own files have no header, copies of them often do."""
    if fmt == "codepoint" and first and normalise_postcode(first[0]):
        extra = [f"column_{i}" for i in range(len(CODEPOINT_COLUMNS) + 1, len(first) + 1)]
        return CODEPOINT_COLUMNS + extra, _chain([first], reader)
    return [c.strip() for c in first], reader


def _chain(head, rest):
    yield from head
    yield from rest


def _pick(header: list[str], *names: str, required: bool = True) -> str | None:
    """The file's own name for the first of `names` it has (case-insensitive)."""
    lower = {h.lower(): h for h in header}
    for name in names:
        if name in lower:
            return lower[name]
    if required:
        raise AssetMapError(f"no column {' or '.join(repr(n) for n in names)} in the file (it has: "
                            f"{', '.join(header)})")
    return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _postcode(raw: str | None, problems: list[str]) -> str | None:
    postcode = normalise_postcode(raw or "")
    if not postcode:
        problems.append(f"malformed postcode {raw!r}" if (raw or "").strip() else "no postcode")
    return postcode


def _lonlat(lon_text, lat_text, problems: list[str]) -> tuple[float | None, float | None]:
    lon, lat = _number(lon_text), _number(lat_text)
    if lon is None or lat is None:
        problems.append("missing or non-numeric coordinates")
    elif not (GB_LON[0] <= lon <= GB_LON[1] and GB_LAT[0] <= lat <= GB_LAT[1]):
        problems.append(f"coordinates outside Great Britain (lon {lon}, lat {lat})")
    return lon, lat


def _codepoint(header: list[str]):
    pc, east, north = (_pick(header, "postcode"), _pick(header, "eastings", "easting"),
                       _pick(header, "northings", "northing"))
    keep = [c for c in (_pick(header, "positional_quality_indicator", "positional_quality", required=False),
                        _pick(header, "admin_district_code", required=False),
                        _pick(header, "admin_ward_code", required=False)) if c]

    def parse(row):
        problems: list[str] = []
        postcode = _postcode(row.get(pc), problems)
        x, y = _number(row.get(east)), _number(row.get(north))
        if x is None or y is None:
            problems.append("missing or non-numeric eastings/northings")
        elif x == 0 and y == 0:
            problems.append("no grid reference (eastings and northings 0)")
        elif not (BNG_EASTING[0] <= x <= BNG_EASTING[1] and BNG_NORTHING[0] <= y <= BNG_NORTHING[1]):
            problems.append(f"eastings/northings outside the British National Grid ({x}, {y})")
        attrs = {c.lower(): row[c] for c in keep if row.get(c)}
        return postcode, x, y, 27700, attrs, problems
    return parse


def _onspd(header: list[str]):
    pc, lat_c, lon_c = _pick(header, "pcds", "pcd"), _pick(header, "lat"), _pick(header, "long")
    doterm = _pick(header, "doterm", required=False)
    keep = [c for c in (_pick(header, n, required=False) for n in ("oslaua", "osward", "lsoa21", "lsoa11")) if c]

    def parse(row):
        problems: list[str] = []
        postcode = _postcode(row.get(pc), problems)
        if doterm and (row.get(doterm) or "").strip():
            problems.append(f"terminated ({row[doterm].strip()})")
        if _number(row.get(lat_c)) == ONSPD_NO_GRID_LAT:
            problems.append("no grid reference (ONSPD lat 99.999999)")
            lon = lat = None
        else:
            lon, lat = _lonlat(row.get(lon_c), row.get(lat_c), problems)
        attrs = {c.lower(): row[c] for c in keep if row.get(c)}
        return postcode, lon, lat, 4326, attrs, problems
    return parse


def _plain(header: list[str]):
    pc = _pick(header, "postcode")
    lat_c = _pick(header, "lat", "latitude")
    lon_c = _pick(header, "lon", "longitude", "long", "lng")

    def parse(row):
        problems: list[str] = []
        postcode = _postcode(row.get(pc), problems)
        lon, lat = _lonlat(row.get(lon_c), row.get(lat_c), problems)
        return postcode, lon, lat, 4326, {}, problems
    return parse


_PARSERS = {"codepoint": _codepoint, "onspd": _onspd, "csv": _plain}
