"""Importing capacity needs (what a group or neighbourhood is looking for) from a file of one need per row.

Columns: source_ref, title, kind, quantity, unit, schedule, audience, description, organisation (by name: found, or
created), status (open, met or closed; default open), and a place: lat/lon (or latitude/longitude/lng, or a point
geometry), else a postcode geocoded as an asset's is, else a neighbourhood_code. A need with a point belongs to the
neighbourhood its point lies in, and to the one its neighbourhood_code names only when it lies in none.

Kind, quantity, unit, schedule, audience and description follow an asset offer's rules (`model.submission`), so a
need can be matched to an offer in the same terms. As for assets, a row without a source_ref gets a `stable_ref` of
what identifies it, and re-importing a source updates its needs by (source, source_ref).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from .. import schedule_weeks
from ..config import Settings
from ..model import audit
from ..model.submission import Vocabularies, normalise_postcode, validate_offers, vocabularies
from .read import Record, read_table
from .report import ImportReport, check_rows
from .staging import Ticker, geocode_missing, has_coordinates, import_transaction, stable_ref, stage

FIELDS = ("source_ref", "title", "kind", "quantity", "unit", "schedule", "audience", "description", "organisation",
          "status", "lat", "lon", "postcode", "neighbourhood_code")
ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon"}
OFFER_KEYS = ("kind", "quantity", "unit", "schedule", "audience", "description")
STATUSES = ("open", "met", "closed")
MAX_QUANTITY = 100_000   # capacity_needs' own CHECK, whatever larger quantity a unit may one day allow
NEED_COLUMNS = {"ord": "bigint", "source_ref": "text", "title": "text", "kind": "text", "description": "text",
                "quantity": "numeric", "unit": "text", "schedule": "text", "audience": "text",
                "organisation": "text", "neighbourhood_code": "text", "lon": "float8", "lat": "float8",
                "status": "text"}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def row_to_need(record: Record) -> dict[str, Any]:
    """One row as load_needs fields: column names lower-cased and aliased, a geometry read as its point."""
    fields: dict[str, Any] = {}
    for col, value in record.fields.items():
        key = col.strip().lower()
        key = ALIASES.get(key, key)
        if fields.get(key) is None:   # a file with both lon and longitude: a blank in one must not hide the other
            fields[key] = value
    geom = record.geometry
    if geom is not None and not geom.is_empty and fields.get("lon") is None and fields.get("lat") is None:
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        fields["lon"], fields["lat"] = point.x, point.y
    return fields


def validate_need(fields: dict[str, Any], *, known: Vocabularies, codes: set[str],
                  located: dict) -> tuple[dict[str, Any], list[str]]:
    """(clean need, problems); `located` maps normalised postcodes to geocoding results."""
    errors: list[str] = []
    need: dict[str, Any] = {"title": _text(fields.get("title")),
                            "organisation": " ".join(_text(fields.get("organisation")).split())}
    if not need["title"]:
        errors.append("title: missing")
    elif len(need["title"]) > 200:
        errors.append("title: at most 200 characters")
    if len(need["organisation"]) > 200:
        errors.append("organisation: at most 200 characters")
    problems: dict[str, str] = {}
    offer = validate_offers([{k: fields.get(k) for k in OFFER_KEYS}], known, problems, False)[0]
    errors += [f"{key.removeprefix('capacity.0.')}: {why}" for key, why in problems.items()]
    if offer.quantity is not None and offer.quantity > MAX_QUANTITY and "capacity.0.quantity" not in problems:
        errors.append(f"quantity: must be more than 0 and at most {MAX_QUANTITY}")
    need.update(kind=offer.kind, quantity=offer.quantity, unit=offer.unit, schedule=offer.schedule,
                audience=offer.audience, description=offer.description)
    need["status"] = _text(fields.get("status")).lower() or "open"
    if need["status"] not in STATUSES:
        errors.append(f"status: must be one of {', '.join(STATUSES)}")
    errors += _place(fields, need, codes, located)
    return need, errors


def _place(fields: dict[str, Any], need: dict[str, Any], codes: set[str], located: dict) -> list[str]:
    """Fill the need's lon, lat, postcode and neighbourhood_code; the problems with them."""
    errors = []
    need.update(lon=None, lat=None, postcode=None, neighbourhood_code=_text(fields.get("neighbourhood_code")) or None)
    code = need["neighbourhood_code"]
    if code is not None and code not in codes:
        errors.append(f"neighbourhood_code: unknown neighbourhood {code[:40]!r}")
    if has_coordinates(fields):
        try:
            lon, lat = float(fields["lon"]), float(fields["lat"])
        except (TypeError, ValueError):
            return errors + ["location: the coordinates are not numbers"]
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            return errors + ["location: the coordinates are outside the world"]
        need["lon"], need["lat"] = lon, lat
    elif _text(fields.get("postcode")):
        need["postcode"] = normalise_postcode(_text(fields["postcode"]))
        result = located.get(need["postcode"]) if need["postcode"] else None
        if need["postcode"] is None:
            errors.append("postcode: is not a UK postcode (for example AV1 2AB)")
        elif result is not None:
            need["lon"], need["lat"] = result.lon, result.lat
        elif code is None:
            errors.append(f"location: could not geocode postcode {need['postcode']}")
    elif code is None:
        errors.append("location: give lat and lon, a postcode or a neighbourhood_code")
    return errors


def load_needs(conn: psycopg.Connection, rows: Iterable[tuple[int, dict[str, Any]]], *, source: str,
               report: ImportReport, dry_run: bool = False, settings: Settings | None = None,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate need rows, reject the bad ones, upsert the rest by (source, source_ref)."""
    rows = list(rows)   # counted in report.read by whoever read them from the file
    check_rows(max(report.read, len(rows)), settings)
    report.dry_run = dry_run
    known = vocabularies(conn)
    with conn.cursor(row_factory=tuple_row) as cur:
        codes = {r[0] for r in cur.execute("SELECT code FROM neighbourhoods")}
    # Geocoded by their normalised postcode, which is also the key validate_need looks them up by.
    located = geocode_missing(conn, settings, [
        {"lon": f.get("lon"), "lat": f.get("lat"), "postcode": normalise_postcode(_text(f.get("postcode")))}
        for _, f in rows])
    ticker = Ticker(progress)
    valid, seen, geocoded, by_code = [], {}, 0, 0
    for number, fields in rows:
        ticker.tick()
        need, errors = validate_need(fields, known=known, codes=codes, located=located)
        ref = _text(fields.get("source_ref")) or stable_ref(
            need["title"], need["kind"], need["organisation"], need["postcode"], need["neighbourhood_code"],
            *(round(need[k], 6) if need[k] is not None else None for k in ("lon", "lat")))
        if not errors and ref in seen:
            errors.append(f"source_ref {ref!r} repeats row {seen[ref]}")
        if errors:
            report.reject(number, fields, "; ".join(errors))
            continue
        seen[ref] = number
        geocoded += need["postcode"] is not None and need["lon"] is not None
        by_code += need["postcode"] is not None and need["lon"] is None
        valid.append((number, ref, *(need[k] for k in list(NEED_COLUMNS)[2:])))
    ticker.flush()
    if geocoded:
        report.notes.append(f"{geocoded} located by geocoding their postcode")
    if by_code:
        report.notes.append(f"{by_code} placed by neighbourhood_code alone: their postcode could not be geocoded")

    with import_transaction(conn, dry_run) as cur:
        audit.acting(cur, actor=f"import:{source}")
        stage(cur, "import_needs", NEED_COLUMNS, valid)
        _upsert(cur, source)
        schedule_weeks.remember(cur, [r[0] for r in cur.execute("SELECT DISTINCT schedule FROM import_needs")])
        report.inserted, report.updated = cur.execute(
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM import_done"
        ).fetchone()
        # Counted before the commit, so a dry run says it too: a point in no neighbourhood is often a wrong one.
        report.outside = cur.execute("""
            SELECT count(*) FROM import_done d JOIN capacity_needs n ON n.id = d.id
             WHERE n.neighbourhood_id IS NULL AND EXISTS (SELECT 1 FROM neighbourhoods)""").fetchone()[0]
        audit.write(cur, actor=f"import:{source}", action="import", entity="capacity_needs", after=report.counts())
    return report


def _upsert(cur: psycopg.Cursor, source: str) -> None:
    # Organisations are matched by name, ignoring case and spacing, whatever their source: a group named in several
    # files, or on the map already, stays one organisation. Names not found are created under this import's source.
    cur.execute("""
        INSERT INTO organisations (name, source)
        SELECT DISTINCT ON (lower(s.organisation)) s.organisation, %(source)s
          FROM import_needs s
         WHERE s.organisation <> ''
           AND NOT EXISTS (SELECT 1 FROM organisations o
                            WHERE lower(regexp_replace(btrim(o.name), '[[:space:]]+', ' ', 'g'))
                                  = lower(s.organisation))
         ORDER BY lower(s.organisation), s.ord""", {"source": source})
    cur.execute("CREATE TEMP TABLE import_done (id bigint PRIMARY KEY, source_ref text, inserted boolean) "
                "ON COMMIT DROP")
    cur.execute("""
        WITH up AS (
            INSERT INTO capacity_needs (title, kind, description, quantity, unit, schedule, audience,
                                        organisation_id, neighbourhood_id, geom, status, source, source_ref)
            SELECT s.title, s.kind, s.description, s.quantity, s.unit, s.schedule, s.audience, o.id,
                   coalesce(neighbourhood_at(p.geom), h.id), p.geom, s.status, %(source)s, s.source_ref
              FROM import_needs s
             CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom) p
              LEFT JOIN neighbourhoods h ON h.code = s.neighbourhood_code
              LEFT JOIN LATERAL (SELECT o.id FROM organisations o
                                  WHERE lower(regexp_replace(btrim(o.name), '[[:space:]]+', ' ', 'g'))
                                        = lower(s.organisation)
                                  ORDER BY o.id LIMIT 1) o ON s.organisation <> ''
             ORDER BY s.ord
            ON CONFLICT (source, source_ref) DO UPDATE SET
                title = EXCLUDED.title, kind = EXCLUDED.kind, description = EXCLUDED.description,
                quantity = EXCLUDED.quantity, unit = EXCLUDED.unit, schedule = EXCLUDED.schedule,
                audience = EXCLUDED.audience, organisation_id = EXCLUDED.organisation_id,
                neighbourhood_id = EXCLUDED.neighbourhood_id, geom = EXCLUDED.geom, status = EXCLUDED.status
            RETURNING id, source_ref, (xmax = 0) AS inserted)
        INSERT INTO import_done SELECT id, source_ref, inserted FROM up""", {"source": source})


def import_needs(conn: psycopg.Connection, path: Path | str, *, source: str | None = None, dry_run: bool = False,
                 progress: Callable[[int], None] | None = None, settings: Settings | None = None) -> ImportReport:
    """Import a file of capacity needs; re-importing the same source updates them in place."""
    path = Path(path)
    table = read_table(path)
    report = ImportReport(kind="needs", source=path.name, dry_run=dry_run, read=len(table.records))
    report.notes += table.notes
    unused = [c for c in table.columns if ALIASES.get(c.strip().lower(), c.strip().lower()) not in FIELDS]
    if unused:
        report.notes.append(f"columns not imported: {', '.join(unused)}")
    rows = [(r.row_number, row_to_need(r)) for r in table.records]
    return load_needs(conn, rows, source=source or path.stem, report=report, dry_run=dry_run, settings=settings,
                      progress=progress)
