"""Reading an asset file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile) into the rows `load_assets` takes.

Columns named like our own export and API (`name`, `category`, `postcode`, `lon`, `lat`, `capacity.0.kind` …) and
the usual `latitude`/`longitude` need no mapping. Anything else is mapped by a small JSON or TOML file, read and
checked by `asset_mapping.py` (the format is in docs/importing.md):

    {"columns": {"Site name": "name", "Post code": "postcode"},
     "categories": {"Village hall": "community_centre"},
     "defaults": {"category": "other", "capacity.0.kind": "space"},
     "opening_hours": {"days": {"monday": "Mon", "tuesday": "Tue"}}}
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from .. import spreadsheet
from ..config import Settings
from .asset_mapping import (
    CAPACITY,
    FIELDS,
    OFFER_FIELDS,
    MappingError,
    check_mapping,
    check_opening_hours,
    column_targets,
    load_mapping,
)
from .assets import load_assets
from .read import Record, Table, read_table
from .report import ImportReport, check_rows
from .weekdays import DayError, schedule

__all__ = ["FIELDS", "OFFER_FIELDS", "MappingError", "check_mapping", "column_targets", "load_mapping",
           "asset_rows", "prepare", "import_assets", "read_offers", "template_csv"]
SHOWN_ROW_NUMBERS = 20   # per note about unreadable opening hours; the rest are counted


def to_fields(record: Record, targets: dict[str, str], mapping: dict) -> tuple[dict[str, Any], str | None]:
    """One record as load_assets fields (renamed, opening hours built, defaults filled, category mapped, offers
    grouped, point read), and why its opening hours were left out, if they were."""
    fields: dict[str, Any] = {}
    offers: dict[int, dict[str, Any]] = {}
    for col, target in targets.items():
        value = record.fields.get(col)
        m = CAPACITY.match(target)
        if m:
            if value is not None:
                offers.setdefault(int(m.group(1)), {})[m.group(2)] = value
        else:
            fields[target] = value
    unread = None
    hours = mapping["opening_hours"]
    if hours:
        try:
            text = schedule({day: record.fields.get(col) for day, col in hours["days"].items()})
        except DayError as exc:
            unread = str(exc)   # the row keeps everything else: a schedule missing a day would be wrong
        else:
            if text is not None:
                offers.setdefault(hours["offer"], {})["schedule"] = text
    for key, value in mapping["defaults"].items():
        m = CAPACITY.match(key)
        if m:
            # Only offers the row has: a default kind must not invent an offer for a row that gives none.
            offer = offers.get(int(m.group(1)))
            if offer is not None and offer.get(m.group(2)) in (None, ""):
                offer[m.group(2)] = value
        elif fields.get(key) in (None, ""):
            fields[key] = value
    category = fields.get("category")
    if category is not None and str(category) in mapping["categories"]:
        fields["category"] = mapping["categories"][str(category)]
    if offers:
        fields["capacity"] = [offers[i] for i in sorted(offers)]
    geom = record.geometry
    if geom is not None and not geom.is_empty and fields.get("lon") in (None, "") and fields.get("lat") in (None, ""):
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        fields["lon"], fields["lat"] = point.x, point.y
    return fields, unread


def asset_rows(table: Table, mapping: dict, report: ImportReport) -> list[tuple[int, dict[str, Any]]]:
    """The table's records as (row_number, fields); notes on the report for unused columns and unread hours."""
    targets = column_targets(table.columns, mapping)
    check_opening_hours(table.columns, targets, mapping)
    used = set(targets) | set((mapping["opening_hours"] or {}).get("days", {}).values())
    unused = [c for c in table.columns if c not in used]
    if unused:
        report.notes.append(f"columns not imported: {', '.join(unused)}")
    rows = []
    unread: dict[str, list[int]] = {}
    for r in table.records:
        fields, problem = to_fields(r, targets, mapping)
        if problem:
            unread.setdefault(problem, []).append(r.row_number)
        rows.append((r.row_number, fields))
    for problem, numbers in unread.items():
        shown = ", ".join(map(str, numbers[:SHOWN_ROW_NUMBERS]))
        more = f" and {len(numbers) - SHOWN_ROW_NUMBERS} more" if len(numbers) > SHOWN_ROW_NUMBERS else ""
        report.notes.append(f"opening hours left out of row{'s' if len(numbers) > 1 else ''} {shown}{more} "
                            f"(the rest of {'each' if len(numbers) > 1 else 'the'} row imported): {problem}")
    return rows


def read_offers(path: Path | str) -> dict[str, list[dict[str, Any]]]:
    """A second file of offers, one per row, keyed by the asset's source_ref."""
    table = read_table(path)
    if "source_ref" not in table.columns:
        raise MappingError(f"{Path(path).name}: an offers file needs a source_ref column")
    offers: dict[str, list[dict[str, Any]]] = {}
    for r in table.records:
        ref = r.fields.get("source_ref")
        if ref is None:
            continue
        offer = {k: r.fields.get(k) for k in OFFER_FIELDS if r.fields.get(k) is not None}
        offers.setdefault(str(ref).strip(), []).append(offer)
    return offers


def prepare(path: Path, mapping: dict | Path | str | None, offers_path: Path | str | None,
            dry_run: bool) -> tuple[ImportReport, list[tuple[int, dict[str, Any]]]]:
    """The file read and mapped into load_assets rows, with the report that counts them."""
    mapping = check_mapping(mapping) if isinstance(mapping, dict) else load_mapping(mapping)
    table = read_table(path)
    report = ImportReport(kind="assets", source=path.name, dry_run=dry_run, read=len(table.records))
    report.notes += table.notes
    rows = asset_rows(table, mapping, report)
    if offers_path is not None:
        extra = read_offers(offers_path)
        refs = set()
        for _, fields in rows:
            ref = fields.get("source_ref")
            if ref is not None and str(ref).strip() in extra:
                refs.add(str(ref).strip())
                fields["capacity"] = list(fields.get("capacity") or []) + extra[str(ref).strip()]
        orphans = sum(len(v) for k, v in extra.items() if k not in refs)
        if orphans:
            report.notes.append(f"{orphans} offers in {Path(offers_path).name} name no asset in {path.name}")
    return report, rows


def import_assets(conn: psycopg.Connection, path: Path | str, *, source: str | None = None,
                  mapping: dict | Path | str | None = None, offers_path: Path | str | None = None,
                  pending: bool = False, dry_run: bool = False, progress: Callable[[int], None] | None = None,
                  settings: Settings | None = None) -> ImportReport:
    """Import an asset file; published unless pending (staff run imports). Re-importing updates in place."""
    path = Path(path)
    report, rows = prepare(path, mapping, offers_path, dry_run)
    check_rows(report.read, settings)
    return load_assets(conn, rows, source=source or path.stem, report=report,
                       status="pending" if pending else "published", dry_run=dry_run, settings=settings,
                       progress=progress)

TEMPLATE_EXAMPLE = {
    "source_ref": "hall-1", "name": "Mill Lane Community Hall", "category": "community_centre",
    "description": "Main hall for 80 and a kitchen; the garden is open in summer.", "audience": "Everyone",
    "accessibility": "Step-free entrance and an accessible toilet", "organisation": "Mill Lane Residents' Association",
    "address": "12 Mill Lane", "postcode": "", "contact_email": "bookings@example.org",
    "contact_phone": "01234 567890", "private_home": "no", "lon": "-1.5491", "lat": "53.8008",
    "capacity.0.kind": "space", "capacity.0.quantity": "80", "capacity.0.unit": "places",
    "capacity.0.schedule": "Mo-Fr 09:00-17:00; Sa 10:00-13:00", "capacity.0.cost": "donation",
    "capacity.0.audience": "Local groups", "capacity.0.description": "The main hall, for meetings and classes",
}


def template_csv() -> str:
    """A CSV with every column an asset file may have, in our names, and one example row (imports as it is)."""
    out = io.StringIO()
    writer = spreadsheet.DictWriter(out, fieldnames=[*FIELDS, *(f"capacity.0.{f}" for f in OFFER_FIELDS)])
    writer.writeheader()
    writer.writerow(TEMPLATE_EXAMPLE)
    return out.getvalue()
